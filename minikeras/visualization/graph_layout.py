"""Drawing a `DotGraph` without graphviz: a layered layout (ranks, crossing reduction, edge
routing through slots, dashed clusters for nested models), painted with matplotlib.

`draw_graph(dot, rankdir)` is what `plot_model` uses when graphviz's `dot` is not installed;
the graph itself (nodes, rows of cells, edges, clusters) comes from `model_visualization`.
"""

# Graphviz's own spacing, in points (1/72 inch): the gap between ranks, between boxes in a
# rank, Keras's cell padding, the frame and label of a nested model, a self-loop's size.
RANKSEP, NODESEP = 36.0, 18.0
CELL_PADDING = 10.0
CLUSTER_PADDING, CLUSTER_LABEL_FONT_SIZE = 8.0, 14.0
LOOP_SIZE = 18.0


def check_rankdir(rankdir):
    """The graph direction in upper case; graphviz knows TB, LR, BT and RL."""
    direction = str(rankdir).upper()
    if direction not in ("TB", "BT", "LR", "RL"):
        raise ValueError(f"`rankdir` must be 'TB' (top to bottom), 'LR' (left to right), 'BT' or "
                         f"'RL'. Received: rankdir={rankdir!r}")
    return direction


def draw_graph(dot, rankdir="TB", dpi=200):
    """Lay out a `DotGraph` and draw it; returns a matplotlib Figure (not attached to pyplot).

    The layout is graphviz's idea in a few steps: each box gets a rank (its longest path from
    a box without inputs; such a box then moves down next to the first box it feeds), an edge
    that skips ranks passes through invisible points in the ranks between, the boxes of each
    rank are ordered by the mean position of their neighbours (sweeping down and up, keeping the
    order with the fewest crossings; a nested model's boxes stay together), and positions are
    then pulled towards their neighbours without overlapping. Sizes are in points, so the
    figure has graphviz's proportions: 16 pt headers, 10 pt cell padding, ranks 0.5 inch apart.
    """
    from matplotlib.figure import Figure

    layout = _Layout(dot, rankdir)
    width, height = layout.width, layout.height
    figure = Figure(figsize=(width / 72.0, height / 72.0), dpi=dpi)
    figure.patch.set_facecolor("white")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)  # y grows downwards, like the layout
    axes.set_axis_off()
    for cluster in layout.cluster_boxes:
        _draw_cluster(axes, *cluster)
    for points in layout.edge_paths:
        _draw_edge(axes, points)
    for node_id, (x, y) in layout.positions.items():
        if node_id in layout.boxes:
            _draw_box(axes, layout.boxes[node_id], x, y)
    return figure


class _Box:
    """A node's table: rows of cells with their sizes, in points."""

    def __init__(self, node):
        self.node = node
        self.rows = []
        for kind, row in node.rows:
            cells = []
            for text, bold, background, foreground, size in row:
                # Keras's label: the name bold in the header, the value bold in a cell.
                parts = [(bold, True), (text, False)] if kind == "header" else [
                    (text, False), (bold, True)]
                parts = [(piece, heavy, _text_width(piece, size, heavy) + 0.1 * size)
                         for piece, heavy in parts if piece]
                width = sum(w for _, _, w in parts)
                cells.append(dict(parts=parts, text_width=width, background=background,
                                  foreground=foreground, size=size,
                                  width=width * 1.05 + 2.0 + 2 * CELL_PADDING,
                                  height=size * 1.2 + 2 * CELL_PADDING))
            self.rows.append(cells)
        self.width = max(sum(c["width"] for c in cells) for cells in self.rows) + 2
        for cells in self.rows:  # stretch each row's cells to the table's width
            extra = (self.width - 2 - sum(c["width"] for c in cells)) / len(cells)
            for cell in cells:
                cell["width"] += extra
        self.row_heights = [max(c["height"] for c in cells) for cells in self.rows]
        self.height = sum(self.row_heights) + 2


_TEXT_WIDTHS = {}


def _text_width(text, size, bold=False):
    """Width (points) of one line of text, measured from the font's outlines."""
    key = (text, size, bold)
    if key not in _TEXT_WIDTHS:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextToPath
        properties = FontProperties(size=size, weight="bold" if bold else "normal")
        width, _, _ = TextToPath().get_text_width_height_descent(text, properties, False)
        _TEXT_WIDTHS[key] = width
    return _TEXT_WIDTHS[key]


class _Layout:
    """Positions (box centres, points) for a DotGraph drawn in `rankdir` direction."""

    def __init__(self, dot, rankdir):
        rankdir = check_rankdir(rankdir)
        horizontal = rankdir in ("LR", "RL")
        nodes = dot.all_nodes()
        self.boxes = {node.id: _Box(node) for node in nodes}
        order_of = {node.id: i for i, node in enumerate(nodes)}
        edges = [(s, d) for s, d in dot.all_edges() if s in self.boxes and d in self.boxes
                 and s != d]
        # A layer applied to its own output (a shared layer called twice in a row) gets a loop.
        loops = sorted({s for s, d in dot.all_edges() if s == d and s in self.boxes},
                       key=order_of.get)
        self.clusters = {}  # node id -> tuple of the clusters (outermost first) holding it
        self.cluster_labels = {}
        _collect_clusters(dot, (), self.clusters, self.cluster_labels)

        # Extent of a box along the rank axis and along the order axis.
        def rank_size(node_id):
            box = self.boxes.get(node_id)
            if box is None:
                return 0.0
            return box.width if horizontal else box.height

        def order_size(node_id):
            box = self.boxes.get(node_id)
            if box is None:
                return 2.0
            return box.height if horizontal else box.width

        ranks = _assign_ranks(list(self.boxes), edges, order_of)
        # Long edges pass through one invisible point per rank they skip.
        chains, graph_edges = [], []
        for k, (source, destination) in enumerate(edges):
            chain = [source]
            for r in range(ranks[source] + 1, ranks[destination]):
                virtual = f"virtual:{k}:{r}"
                ranks[virtual] = r
                self.clusters[virtual] = _common_prefix(self.clusters[source],
                                                        self.clusters[destination])
                chain.append(virtual)
            chain.append(destination)
            chains.append(chain)
            graph_edges += list(zip(chain, chain[1:]))
        n_ranks = max(ranks.values(), default=-1) + 1
        layers = [[] for _ in range(n_ranks)]
        for node_id in sorted(ranks, key=lambda n: (ranks[n], order_of.get(n, len(order_of)),
                                                    n)):
            layers[ranks[node_id]].append(node_id)
        predecessors = {n: [] for n in ranks}
        successors = {n: [] for n in ranks}
        for s, d in graph_edges:
            successors[s].append(d)
            predecessors[d].append(s)
        layers = self._order(layers, predecessors, successors)

        # Coordinates along the order axis: packed, then pulled towards neighbours.
        label_size = CLUSTER_LABEL_FONT_SIZE * 1.4

        def gap(a, b):  # space between a (before) and b (after) in the same rank
            outer_a, outer_b = self.clusters[a], self.clusters[b]
            common = len(_common_prefix(outer_a, outer_b))
            closing = len(outer_a) - common
            opening = len(outer_b) - common
            extra = closing * CLUSTER_PADDING + opening * CLUSTER_PADDING
            if horizontal:  # the cluster label sits on top: above the first box of a cluster
                extra += opening * label_size
            return NODESEP + extra

        order_pos = {}
        for layer in layers:
            position = 0.0
            for i, node_id in enumerate(layer):
                if i:
                    position += order_size(layer[i - 1]) / 2 + gap(layer[i - 1], node_id)
                    position += order_size(node_id) / 2
                order_pos[node_id] = position
        for _ in range(8):
            for sweep in (range(1, n_ranks), range(n_ranks - 2, -1, -1)):
                for r in sweep:
                    neighbours = predecessors if sweep.step == 1 else successors
                    self._pull(layers[r], neighbours, order_pos, order_size, gap)
        # Coordinates along the rank axis.
        rank_pos, rank_sizes, position = [], [], 0.0
        for r, layer in enumerate(layers):
            size = max((rank_size(n) for n in layer), default=0.0)
            rank_sizes.append(size)
            if r:
                previous = layers[r - 1]
                opening = max((len(self.clusters[n]) - _shared_with(self.clusters[n], previous,
                                                                     self.clusters)
                               for n in layer), default=0)
                closing = max((len(self.clusters[n]) - _shared_with(self.clusters[n], layer,
                                                                     self.clusters)
                               for n in previous), default=0)
                extra = (opening + closing) * CLUSTER_PADDING
                if not horizontal:
                    extra += opening * label_size
                position += rank_sizes[r - 1] / 2 + RANKSEP + extra + size / 2
            rank_pos.append(position)

        # Coordinates with x to the right and y downwards, ranks going down (TB) or right (LR);
        # BT and RL are TB and LR mirrored at the end.
        self.positions = {}
        for node_id in ranks:
            along, across = rank_pos[ranks[node_id]], order_pos[node_id]
            self.positions[node_id] = (along, across) if horizontal else (across, along)

        # Edges as polylines between box sides (spread when several meet one side); through a
        # rank it skips, an edge runs straight across the whole depth of that rank.
        self.edge_paths = []
        forward = (1, 0) if horizontal else (0, 1)
        out_slots = _slots(chains, 0, 1, self.positions, horizontal)
        in_slots = _slots(chains, -1, -2, self.positions, horizontal)
        for k, chain in enumerate(chains):
            points = [self._side(chain[0], forward, +1, out_slots[k])]
            for virtual in chain[1:-1]:
                x, y = self.positions[virtual]
                half = rank_sizes[ranks[virtual]] / 2
                points += ([(x - half, y), (x + half, y)] if horizontal else
                           [(x, y - half), (x, y + half)])
            points.append(self._side(chain[-1], forward, -1, in_slots[k]))
            self.edge_paths.append(points)

        # Cluster boxes: around their boxes, the label above.
        self.cluster_boxes = []
        members = {}
        for node_id, path in self.clusters.items():
            if node_id not in self.boxes:
                continue
            for i in range(len(path)):
                members.setdefault(path[: i + 1], []).append(node_id)
        for path, ids in sorted(members.items(), key=lambda item: len(item[0])):
            inner_depth = max(len(self.clusters[n]) for n in ids) - len(path)
            pad = CLUSTER_PADDING * (inner_depth + 1)
            lx = min(self.positions[n][0] - self.boxes[n].width / 2 for n in ids) - pad
            rx = max(self.positions[n][0] + self.boxes[n].width / 2 for n in ids) + pad
            ty = min(self.positions[n][1] - self.boxes[n].height / 2 for n in ids) - pad
            by = max(self.positions[n][1] + self.boxes[n].height / 2 for n in ids) + pad
            ty -= label_size * (inner_depth + 1)
            self.cluster_boxes.append([lx, ty, rx, by, self.cluster_labels[path]])

        # A loop leaves the box's side (right in TB, bottom in LR) and comes back to it.
        for node_id in loops:
            x, y = self.positions[node_id]
            box = self.boxes[node_id]
            w, h = box.width / 2, box.height / 2
            if horizontal:
                start, bulge, end = (x - w / 2, y + h), (x, y + h + LOOP_SIZE), (x + w / 2, y + h)
            else:
                start, bulge, end = (x + w, y - h / 2), (x + w + LOOP_SIZE, y), (x + w, y + h / 2)
            self.edge_paths.append(_curve(start, bulge, end))

        # Move everything into view with a small margin; mirror for BT and RL.
        xs = [x for points in self.edge_paths for x, _ in points]
        ys = [y for points in self.edge_paths for _, y in points]
        for node_id, box in self.boxes.items():
            x, y = self.positions[node_id]
            xs += [x - box.width / 2, x + box.width / 2]
            ys += [y - box.height / 2, y + box.height / 2]
        for lx, ty, rx, by, _ in self.cluster_boxes:
            xs += [lx, rx]
            ys += [ty, by]
        margin = 4.0
        x0, y0 = min(xs, default=0.0) - margin, min(ys, default=0.0) - margin
        self.width = max(xs, default=0.0) + margin - x0
        self.height = max(ys, default=0.0) + margin - y0

        def place(x, y):
            x, y = x - x0, y - y0
            return (self.width - x if rankdir == "RL" else x,
                    self.height - y if rankdir == "BT" else y)

        self.positions = {n: place(*xy) for n, xy in self.positions.items()}
        self.edge_paths = [[place(*xy) for xy in points] for points in self.edge_paths]
        boxes = []
        for lx, ty, rx, by, label in self.cluster_boxes:
            (ax, ay), (bx, by_) = place(lx, ty), place(rx, by)
            boxes.append((min(ax, bx), min(ay, by_), max(ax, bx), max(ay, by_), label))
        self.cluster_boxes = boxes

    def _side(self, node_id, forward, direction, slot):
        """Where an edge leaves (+1) or enters (-1) a box, `slot` in [-0.5, 0.5] across it."""
        x, y = self.positions[node_id]
        box = self.boxes[node_id]
        dx, dy = forward[0] * direction, forward[1] * direction
        if dx:
            return (x + dx * box.width / 2, y + slot * box.height * 0.6)
        return (x + slot * box.width * 0.6, y + dy * box.height / 2)

    def _order(self, layers, predecessors, successors):
        """Barycenter ordering, a few sweeps down and up; keep the order with fewest crossings."""
        def key(layer, neighbours, positions):
            centre = {}
            for i, node_id in enumerate(layer):
                found = [positions[n] for n in neighbours[node_id] if n in positions]
                centre[node_id] = sum(found) / len(found) if found else float(i)
            return self._group_sort(layer, centre)

        best, best_crossings = [list(layer) for layer in layers], None
        current = [list(layer) for layer in layers]
        for _ in range(6):
            for down in (True, False):
                indices = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
                for r in indices:
                    fixed = current[r - 1] if down else current[r + 1]
                    positions = {n: i for i, n in enumerate(fixed)}
                    current[r] = key(current[r], predecessors if down else successors, positions)
                crossings = _count_crossings(current, successors)
                if best_crossings is None or crossings < best_crossings:
                    best, best_crossings = [list(layer) for layer in current], crossings
        return best

    def _group_sort(self, layer, centre, depth=0, members=None):
        """Sort a rank by `centre`, keeping each cluster's nodes together (recursively)."""
        members = layer if members is None else members
        units = {}
        for node_id in members:
            path = self.clusters[node_id]
            unit = ("node", node_id) if len(path) <= depth else ("cluster", path[depth])
            units.setdefault(unit, []).append(node_id)
        ordered = sorted(units.items(), key=lambda item: (
            sum(centre[n] for n in item[1]) / len(item[1]), layer.index(item[1][0])))
        result = []
        for (kind, _), ids in ordered:
            result += ids if kind == "node" else self._group_sort(layer, centre, depth + 1, ids)
        return result

    @staticmethod
    def _pull(layer, neighbours, order_pos, order_size, gap):
        """Move each node towards the mean of its neighbours, keeping order and spacing."""
        wanted = []
        for node_id in layer:
            found = [order_pos[n] for n in neighbours[node_id]]
            wanted.append(sum(found) / len(found) if found else order_pos[node_id])
        need = [order_size(layer[i - 1]) / 2 + gap(layer[i - 1], layer[i]) +
                order_size(layer[i]) / 2 for i in range(1, len(layer))]
        # Least-squares placement with minimum gaps (pool adjacent violators).
        blocks = []  # [start, end, offsets, mean]
        for i, target in enumerate(wanted):
            blocks.append([i, i, [0.0], target])
            while len(blocks) > 1:
                a, b = blocks[-2], blocks[-1]
                a_last = a[3] + a[2][-1]
                if b[3] + b[2][0] >= a_last + need[b[0] - 1]:
                    break
                shift = a[2][-1] + need[b[0] - 1]
                offsets = a[2] + [o + shift for o in b[2]]
                targets = wanted[a[0]: b[1] + 1]
                mean = sum(t - o for t, o in zip(targets, offsets)) / len(offsets)
                blocks[-2:] = [[a[0], b[1], offsets, mean]]
        for start, _, offsets, mean in blocks:
            for j, offset in enumerate(offsets):
                order_pos[layer[start + j]] = mean + offset


def _curve(start, through, end, n=16):
    """Points of the quadratic Bezier curve from `start` to `end` passing through `through`."""
    control = (2 * through[0] - (start[0] + end[0]) / 2, 2 * through[1] - (start[1] + end[1]) / 2)
    points = []
    for i in range(n + 1):
        t = i / n
        points.append(tuple((1 - t) ** 2 * s + 2 * (1 - t) * t * c + t ** 2 * e
                            for s, c, e in zip(start, control, end)))
    return points


def _collect_clusters(dot, path, clusters, labels):
    for node in dot.nodes:
        clusters[node.id] = path
    for sub in dot.subgraphs:
        sub_path = path + (id(sub),)
        labels[sub_path] = sub.attributes.get("label", sub.name)
        _collect_clusters(sub, sub_path, clusters, labels)


def _common_prefix(a, b):
    common = []
    for x, y in zip(a, b):
        if x != y:
            break
        common.append(x)
    return tuple(common)


def _shared_with(path, layer, clusters):
    """How many of `path`'s clusters already hold a node of the neighbouring rank `layer`."""
    return max((len(_common_prefix(path, clusters[n])) for n in layer), default=0)


def _assign_ranks(node_ids, edges, order_of):
    """Longest path from the sources; then each source moves down to just above its first
    child (graphviz would do the same to keep edges short)."""
    predecessors = {n: [] for n in node_ids}
    successors = {n: [] for n in node_ids}
    for s, d in edges:
        successors[s].append(d)
        predecessors[d].append(s)
    ranks, visiting = {}, set()

    def rank(node_id):
        if node_id not in ranks:
            if node_id in visiting:  # a cycle (cannot happen in a model): cut it
                return 0
            visiting.add(node_id)
            ranks[node_id] = max((rank(p) + 1 for p in predecessors[node_id]), default=0)
            visiting.discard(node_id)
        return ranks[node_id]

    for node_id in sorted(node_ids, key=order_of.get):
        rank(node_id)
    for node_id in node_ids:
        if not predecessors[node_id] and successors[node_id]:
            ranks[node_id] = min(ranks[c] for c in successors[node_id]) - 1
    return ranks


def _count_crossings(layers, successors):
    total = 0
    for upper, lower in zip(layers, layers[1:]):
        position = {n: i for i, n in enumerate(lower)}
        pairs = [(i, position[d]) for i, s in enumerate(upper) for d in successors[s]
                 if d in position]
        for a in range(len(pairs)):
            for b in range(a + 1, len(pairs)):
                if (pairs[a][0] - pairs[b][0]) * (pairs[a][1] - pairs[b][1]) < 0:
                    total += 1
    return total


def _slots(chains, end_index, next_index, positions, horizontal):
    """For each edge, its place across the box side it leaves (or enters) when several edges
    share that side: ordered by where they go, spread over [-0.5, 0.5]."""
    by_node = {}
    for k, chain in enumerate(chains):
        by_node.setdefault(chain[end_index], []).append(k)
    slots = {}
    axis = 1 if horizontal else 0
    for ks in by_node.values():
        ks = sorted(ks, key=lambda k: positions[chains[k][next_index]][axis])
        for i, k in enumerate(ks):
            slots[k] = 0.0 if len(ks) == 1 else (i / (len(ks) - 1) - 0.5) * 0.8
    return slots


def _draw_box(axes, box, x, y):
    from matplotlib.patches import Rectangle
    left, top = x - box.width / 2, y - box.height / 2
    axes.add_patch(Rectangle((left, top), box.width, box.height, facecolor="black",
                             edgecolor="black", linewidth=0, zorder=3))
    row_top = top + 1
    for cells, height in zip(box.rows, box.row_heights):
        cell_left = left + 1
        for cell in cells:
            axes.add_patch(Rectangle((cell_left + 0.5, row_top + 0.5), cell["width"] - 1,
                                     height - 1, facecolor=cell["background"],
                                     edgecolor="black", linewidth=0.5, zorder=4))
            text_left = cell_left + (cell["width"] - cell["text_width"]) / 2
            for piece, heavy, width in cell["parts"]:
                axes.text(text_left, row_top + height / 2, piece, ha="left", va="center_baseline",
                          fontsize=cell["size"], color=cell["foreground"],
                          fontweight="bold" if heavy else "normal", zorder=5)
                text_left += width
            cell_left += cell["width"]
        row_top += height


def _draw_edge(axes, points):
    xs, ys = zip(*points)
    if len(points) > 2:
        axes.plot(xs[:-1], ys[:-1], color="black", linewidth=1.5, zorder=2,
                  solid_capstyle="butt")
    axes.annotate("", xy=points[-1], xytext=points[-2], zorder=2,
                  arrowprops=dict(arrowstyle="-|>,head_length=0.5,head_width=0.25",
                                  color="black", linewidth=1.5, shrinkA=0, shrinkB=0))


def _draw_cluster(axes, left, top, right, bottom, label):
    from matplotlib.patches import Rectangle
    axes.add_patch(Rectangle((left, top), right - left, bottom - top, facecolor="none",
                             edgecolor="black", linestyle="--", linewidth=1.0, zorder=1))
    axes.text(left + CLUSTER_PADDING / 2, top + 2, str(label), ha="left", va="top",
              fontsize=CLUSTER_LABEL_FONT_SIZE, zorder=1)
