"""`plot_model` and `model_to_dot`: a picture of a model's graph of layers, as in Keras 3.

    minikeras.utils.plot_model(model, to_file="model.png", show_shapes=True)
    print(minikeras.utils.model_to_dot(model).to_string())     # the graph in DOT, the language
                                                                # of graphviz

Keras needs two extra things for this: the `pydot` package and the graphviz `dot` program.
minikeras needs neither:

- `model_to_dot` writes the DOT text itself (same nodes, edges, HTML-like labels and graph
  attributes as Keras's) and returns a small `DotGraph` object instead of a `pydot.Dot`:
  `to_string()`, `create(prog, format)` and `write(path, format)` as in pydot, and
  `to_pydot()` when you want the real thing (that one needs pydot).
- `plot_model` hands the DOT text to graphviz's `dot` program when it is installed (the picture
  is then Keras's), and otherwise lays the graph out and draws it with matplotlib: layers
  ranked by how far they are from the inputs, ordered in each rank to keep edges from crossing,
  boxes with the same label rows as Keras's, arrows for the connections, nested models in
  dashed boxes. It fails, with a message saying what to install, only when neither graphviz
  nor matplotlib is there. A `.dot` / `.gv` file name writes the DOT text and needs neither.

Which layers and edges appear follows Keras's `model_to_dot` exactly: a Sequential model shows
its layers (no InputLayer) in a chain; a functional model shows every layer of its graph,
InputLayers included, with one edge per connection (repeated connections drawn once); a
subclassed model is one box. With `expand_nested=True` a nested Functional or Sequential model
becomes a dashed cluster of its own layers, and edges go into and out of the layers inside.
"""
import html
import os
import re
import shutil
import subprocess

__all__ = ["plot_model", "model_to_dot", "DotGraph", "draw_graph"]

# Graphviz's own spacing, in points (1/72 inch): the gap between ranks, between boxes in a
# rank, Keras's cell padding and font sizes.
RANKSEP, NODESEP = 36.0, 18.0
CELL_PADDING = 10.0
HEADER_FONT_SIZE, ROW_FONT_SIZE = 16.0, 14.0
CLUSTER_PADDING, CLUSTER_LABEL_FONT_SIZE = 8.0, 14.0
LOOP_SIZE = 18.0
MATPLOTLIB_FORMATS = {"png", "svg", "pdf", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp"}


# ------------------------------------------------------------------------------------------------
# The graph: nodes with their label rows, edges, clusters
# ------------------------------------------------------------------------------------------------
class DotNode:
    """One box: `id` (as in Keras, `str(id(layer))`), the layer, and its label.

    `rows` is a list of `(kind, cells)`, kind "header" (`name (ClassName)` or `ClassName`, white
    on black), "activation" or "cells" (shapes, dtype, trainable); each cell is
    `(text, bold_text, background, foreground, point_size)`. `colspan` is Keras's.
    """

    def __init__(self, layer, rows, colspan=1):
        self.id = str(id(layer))
        self.layer = layer
        self.rows = rows
        self.colspan = colspan

    def get_name(self):
        return self.id

    @property
    def html_label(self):
        """Keras's HTML-like graphviz label: a black table with a cell per piece of text."""
        table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
        for kind, cells in self.rows:
            if kind == "header":
                text, bold = cells[0][:2]
                table += (f'<tr><td colspan="{self.colspan}" bgcolor="black">'
                          f'<font point-size="16" color="white"><b>{_html(bold)}</b>'
                          f"{_html(text)}</font></td></tr>")
            elif kind == "activation":
                text, bold = cells[0][:2]
                table += (f'<tr><td bgcolor="white" colspan="{self.colspan}">'
                          f'<font point-size="14">{_html(text)}<b>{_html(bold)}</b>'
                          f"</font></td></tr>")
            else:
                parts = []
                for text, bold, background, foreground, _ in cells:
                    color = f' color="{foreground}"' if foreground != "black" else ""
                    parts.append(f'<td bgcolor="{background}"><font point-size="14"{color}>'
                                 f"{_html(text)}<b>{_html(bold)}</b></font></td>")
                table += f"<tr>{''.join(parts)}</tr>"
        return table + "</table>>"

    def text(self):
        """The label's text, one line per row (what the matplotlib drawing shows)."""
        return "\n".join(" | ".join(_cell_text(kind, cell) for cell in cells)
                         for kind, cells in self.rows)


def _cell_text(kind, cell):
    text, bold = cell[:2]
    return bold + text if kind == "header" else text + bold


class DotGraph:
    """The DOT graph of a model: `nodes`, `edges` (pairs of node ids), `subgraphs` (clusters).

    Stands in for pydot's `Dot` (what Keras's `model_to_dot` returns): `to_string()` (also
    `str(graph)`) gives the DOT text; `create(prog="dot", format="png")` runs graphviz and
    returns the bytes; `write(path, format="raw")` writes the DOT text ("raw" / "dot" / "gv")
    or, for any other format, graphviz's output; `to_pydot()` parses the text with pydot.
    """

    def __init__(self, name="G", attributes=None, cluster=False):
        self.name = name
        self.attributes = dict(attributes or {})
        self.cluster = cluster
        self.nodes, self.edges, self.subgraphs = [], [], []
        self._sequence = []  # nodes and clusters in the order they were added (pydot's order)

    def add_node(self, node):
        self.nodes.append(node)
        self._sequence.append(node)

    def add_subgraph(self, subgraph):
        self.subgraphs.append(subgraph)
        self._sequence.append(subgraph)

    # pydot-style accessors
    def get_nodes(self):
        return list(self.nodes)

    def get_edges(self):
        return list(self.edges)

    def get_subgraphs(self):
        return list(self.subgraphs)

    def all_nodes(self):
        """Every node, those of nested clusters included."""
        return self.nodes + [n for sub in self.subgraphs for n in sub.all_nodes()]

    def all_edges(self):
        return self.edges + [e for sub in self.subgraphs for e in sub.all_edges()]

    def add_edge(self, source, destination):
        """Add source -> destination (node ids) once, as Keras's `add_edge` does."""
        if (source, destination) not in self.all_edges():
            self.edges.append((source, destination))

    def to_string(self):
        return "\n".join(self._lines(top=True)) + "\n"

    __str__ = to_string

    def _lines(self, top):
        if top:
            lines = ["digraph G {"]
            lines += [f"{key}={_quote(value)};" for key, value in self.attributes.items()
                      if key != "node"]
            lines.append("node [shape=record];")
        else:
            lines = [f"subgraph {_quote('cluster_' + self.name)} {{"]
            lines += [f"{key}={_quote(value)};" for key, value in self.attributes.items()]
        for item in self._sequence:
            if isinstance(item, DotGraph):
                lines += item._lines(top=False)
            else:
                lines.append(f"{item.id} [label={item.html_label}, fontname=Helvetica, "
                             f"border=0, margin=0];")
        for source, destination in self.edges:
            lines.append(f"{source} -> {destination} [penwidth=2];")
        lines.append("}")
        return lines

    def create(self, prog="dot", format="png", encoding=None):
        """Run graphviz's `prog` on the DOT text; returns its output (bytes, or str with
        `encoding`). Raises OSError when the program is not installed."""
        data = _run_graphviz(self.to_string(), prog, format)
        return data.decode(encoding) if encoding else data

    def write(self, path, prog="dot", format="raw", encoding=None):
        """Write the DOT text (format "raw", "dot" or "gv") or graphviz's rendering to `path`."""
        if format in ("raw", "dot", "gv"):
            with open(path, "w", encoding=encoding or "utf-8") as f:
                f.write(self.to_string())
        else:
            with open(path, "wb") as f:
                f.write(self.create(prog, format))
        return True

    def to_pydot(self):
        """The same graph as a `pydot.Dot` (needs `pip install pydot`)."""
        try:
            import pydot
        except ImportError as error:
            raise ImportError("DotGraph.to_pydot() needs pydot (`pip install pydot`); "
                              "DotGraph.to_string() gives the same graph as DOT text.") from error
        return pydot.graph_from_dot_data(self.to_string())[0]

    def _repr_svg_(self):  # inline display in Jupyter when graphviz is installed
        if _graphviz_dot() is None:
            return None
        try:
            return self.create(format="svg").decode("utf-8")
        except (OSError, RuntimeError):
            return None


def _html(text):
    return html.escape(str(text), quote=False)


def _quote(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    value = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|-?\d+(\.\d+)?", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------------------------------------------
# Labels (Keras's make_layer_label, as rows of cells)
# ------------------------------------------------------------------------------------------------
def _activation_name(layer):
    activation = layer.activation
    if hasattr(activation, "name"):
        return activation.name
    if hasattr(activation, "__name__"):
        return activation.__name__
    return str(activation)


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return ", ".join(f"{key}: {value}" for key, value in shape.items())
    return str(shape).replace("{", "").replace("}", "")


def _map_structure(function, structure):
    if isinstance(structure, dict):
        return {key: _map_structure(function, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map_structure(function, value) for value in structure)
    return function(structure)


def _layer_node(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                show_trainable):
    """Keras's make_layer_label, as a DotNode."""
    class_name = type(layer).__name__
    header = (f" ({class_name})", layer.name) if show_layer_names else ("", class_name)
    rows = [("header", [(*header, "black", "white", HEADER_FONT_SIZE)])]
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        rows.append(("activation", [("Activation: ", _activation_name(layer), "white", "black",
                                     ROW_FONT_SIZE)]))
    cells = []
    if show_shapes:
        input_shape = output_shape = None
        try:
            input_shape = _map_structure(lambda t: tuple(t.shape), layer.input)
            output_shape = _map_structure(lambda t: tuple(t.shape), layer.output)
        except (ValueError, AttributeError):
            pass
        if class_name != "InputLayer":
            cells.append(("Input shape: ", _format_shape(input_shape), "white", "black",
                          ROW_FONT_SIZE))
        cells.append(("Output shape: ", _format_shape(output_shape), "white", "black",
                      ROW_FONT_SIZE))
    if show_dtype:
        dtype = None
        try:
            dtype = _map_structure(lambda t: str(t.dtype), layer.output)
        except (ValueError, AttributeError):
            pass
        cells.append(("Output dtype: ", str(dtype or "?"), "white", "black", ROW_FONT_SIZE))
    if show_trainable and getattr(layer, "weights", None):
        if layer.trainable:
            cells.append(("", "Trainable", "forestgreen", "white", ROW_FONT_SIZE))
        else:
            cells.append(("", "Non-trainable", "firebrick", "white", ROW_FONT_SIZE))
    if cells:
        rows.append(("cells", cells))
    return DotNode(layer, rows, colspan)


# ------------------------------------------------------------------------------------------------
# model_to_dot
# ------------------------------------------------------------------------------------------------
def check_rankdir(rankdir):
    """The graph direction in upper case; graphviz knows TB, LR, BT and RL."""
    direction = str(rankdir).upper()
    if direction not in ("TB", "BT", "LR", "RL"):
        raise ValueError(f"`rankdir` must be 'TB' (top to bottom), 'LR' (left to right), 'BT' or "
                         f"'RL'. Received: rankdir={rankdir!r}")
    return direction


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """The model's graph as a `DotGraph` (Keras returns a `pydot.Dot`; see the module doc).

    Args (Keras's): show_shapes (input and output shape rows), show_dtype (output dtype),
    show_layer_names (`name (Class)` instead of `Class`), rankdir ("TB" top to bottom, "LR"
    left to right), expand_nested (nested Functional / Sequential models as clusters of their
    layers), dpi, subgraph (return a cluster, as used for nested models),
    show_layer_activations, show_trainable, splines (graphviz's edge style).
    """
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential

    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    check_rankdir(rankdir)
    if subgraph:
        dot = DotGraph(model.name, {"style": "dashed", "label": model.name, "labeljust": "l"},
                       cluster=True)
    else:
        dot = DotGraph("G", {"rankdir": rankdir, "concentrate": True, "dpi": dpi,
                             "splines": splines})
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)

    if isinstance(model, Sequential):
        layers = model.layers
    elif not isinstance(model, Functional):  # a subclassed model is one box
        dot.add_node(_layer_node(model, **options))
        return dot
    else:
        layers = model.operations  # ops on tensors are drawn too

    for layer in layers:
        if expand_nested and isinstance(layer, (Functional, Sequential)):
            dot.add_subgraph(model_to_dot(layer, rankdir=rankdir, expand_nested=True,
                                          subgraph=True, **options))
        else:
            dot.add_node(_layer_node(layer, **options))

    if isinstance(model, Sequential):
        if not expand_nested:
            for before, after in zip(layers, layers[1:]):
                dot.add_edge(str(id(before)), str(id(after)))
            return dot
        # The first layer's input is the Sequential's InputLayer, which is not drawn: the edge
        # into the nested Sequential comes from the enclosing model.
        layers = model.layers[1:]

    relevant = ({node for nodes in model._nodes_by_depth.values() for node in nodes}
                if isinstance(model, Functional) else None)
    for layer in layers:
        for node in layer._inbound_nodes:
            if relevant is not None and node not in relevant:
                continue
            for input_index, tensor in enumerate(node.input_tensors):
                source, _, output_index = tensor._keras_history
                if source is None:
                    continue
                destination = layer
                if expand_nested:
                    while isinstance(source, (Functional, Sequential)):
                        source, _, output_index = source.outputs[output_index]._keras_history
                    while isinstance(destination, (Functional, Sequential)):
                        if isinstance(destination, Functional):
                            destination = destination.inputs[input_index]._keras_history[0]
                        else:
                            destination = destination.layers[0]
                dot.add_edge(str(id(source)), str(id(destination)))
    if not subgraph:  # edges from layers that are not drawn (stale nodes) are left out
        drawn = {node.id for node in dot.all_nodes()}
        _prune_edges(dot, drawn)
    return dot


def _prune_edges(dot, drawn):
    dot.edges = [(s, d) for s, d in dot.edges if s in drawn and d in drawn]
    for sub in dot.subgraphs:
        _prune_edges(sub, drawn)


# ------------------------------------------------------------------------------------------------
# plot_model
# ------------------------------------------------------------------------------------------------
def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draw the model's graph into `to_file` (PNG, SVG, PDF, ... by its extension).

    Same arguments and defaults as Keras 3's `keras.utils.plot_model` (see `model_to_dot`).
    Uses graphviz's `dot` program when it is on the PATH, else draws with matplotlib; a file
    ending in `.dot` or `.gv` receives the DOT text. Returns an `IPython.display.Image` of the
    file when IPython is installed (`IPython.display.SVG` for SVG; None for PDF and other
    formats), as Keras does; otherwise None.
    """
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension in ("dot", "gv"):
        dot.write(to_file, format="raw")
        return None
    if _graphviz_dot() is not None:
        dot.write(to_file, format=extension)
    else:
        try:
            import matplotlib  # noqa: F401
        except ImportError as error:
            raise ImportError(
                "plot_model draws with graphviz's `dot` program or, without it, with matplotlib, "
                "and neither is installed. Install one of them: `pip install matplotlib` (or "
                "`pip install minikeras[viz]`), or graphviz (https://graphviz.org/download/). "
                "`model_to_dot(model).to_string()` gives the graph as DOT text without either."
            ) from error
        if extension not in MATPLOTLIB_FORMATS:
            raise ValueError(f"Without graphviz, plot_model draws with matplotlib, which cannot "
                             f"write {extension!r} files; use one of "
                             f"{sorted(MATPLOTLIB_FORMATS)} (or .dot for the DOT text).")
        figure = draw_graph(dot, rankdir=rankdir, dpi=dpi)
        figure.savefig(to_file, format="jpeg" if extension == "jpg" else extension, dpi=dpi,
                       facecolor="white")
    try:
        from IPython import display
    except ImportError:
        return None
    try:
        if extension == "svg":
            return display.SVG(filename=to_file)
        if extension in ("png", "jpg", "jpeg", "gif"):
            return display.Image(filename=to_file, format=extension)
    except Exception:  # a picture IPython cannot show: the file is written all the same
        pass
    return None


def _graphviz_dot():
    """The path of graphviz's `dot` program, or None."""
    return shutil.which("dot")


def _run_graphviz(text, prog, format):
    program = shutil.which(prog)
    if program is None:
        raise OSError(f"graphviz's {prog!r} program was not found on the PATH; install graphviz "
                      f"(https://graphviz.org/download/), or use plot_model, which draws with "
                      f"matplotlib without it.")
    result = subprocess.run([program, f"-T{format}"], input=text.encode("utf-8"),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"graphviz {prog} -T{format} failed: "
                           f"{result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout


# ------------------------------------------------------------------------------------------------
# Drawing without graphviz: a layered layout drawn with matplotlib
# ------------------------------------------------------------------------------------------------
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
