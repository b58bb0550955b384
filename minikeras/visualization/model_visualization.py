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

from minikeras import tree
from minikeras.visualization.graph_layout import check_rankdir, draw_graph

__all__ = ["plot_model", "model_to_dot", "DotGraph", "draw_graph"]

# Keras's label font sizes, in points.
HEADER_FONT_SIZE, ROW_FONT_SIZE = 16.0, 14.0

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
            input_shape = tree.map_structure(lambda t: tuple(t.shape), layer.input)
            output_shape = tree.map_structure(lambda t: tuple(t.shape), layer.output)
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
            dtype = tree.map_structure(lambda t: str(t.dtype), layer.output)
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
