"""plot_model and model_to_dot: Keras's DOT graph, drawn by graphviz or, without it, matplotlib.

The DOT text is compared with what Keras 3.15.1 (with pydot) writes for the same models, node
ids (`id(layer)`) replaced by layer names. The pictures are checked by reading the PNG back and
looking at its pixels: boxes are black, the background white, so dark rows and columns show
where the boxes are.
"""
import importlib
import os
import re
import stat
import sys

import numpy as np
import pytest

import minikeras
from minikeras import Input, Model, Sequential, layers
from minikeras.visualization.model_visualization import DotGraph, model_to_dot, plot_model

model_visualization = importlib.import_module("minikeras.visualization.model_visualization")
graph_layout = importlib.import_module("minikeras.visualization.graph_layout")

try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False
needs_matplotlib = pytest.mark.skipif(not HAVE_MATPLOTLIB, reason="matplotlib is not installed")


@pytest.fixture
def no_graphviz(monkeypatch):
    """Draw with matplotlib even where graphviz is installed."""
    monkeypatch.setattr(model_visualization, "_graphviz_dot", lambda: None)


def three_layers():
    return Sequential([Input((8,)), layers.Dense(16, activation="relu"),
                       layers.Dense(8, activation="relu"), layers.Dense(1)])


def branching():
    a = Input((4,), name="a")
    b = Input((3,), name="b")
    h1 = layers.Dense(4, name="h1")(a)
    h2 = layers.Dense(4, name="h2")(h1)
    s = layers.Add(name="s")([a, h2])
    t = layers.Concatenate(name="t")([h1, s, s, b])
    pre = layers.Dense(8, name="pre")(t)
    shared = layers.Dense(8, name="shared")
    return Model([a, b], [shared(shared(pre)), s], name="branching")


def nested_outer():
    inner_in = Input((4,), name="inner_in")
    inner = Model(inner_in, layers.Dense(3, name="inner_dense", activation="relu")(inner_in),
                  name="inner")
    seq = Sequential([Input((3,), name="seq_in"), layers.Dense(2, name="seq_dense"),
                      layers.Dense(2, name="seq_dense2")], name="seq")
    a = Input((4,), name="outer_in")
    x = inner(a)
    total = layers.Add(name="total")([seq(x), layers.Dense(2, name="side")(x)])
    model = Model(a, total, name="outer")
    model.get_layer("inner").trainable = False
    return model


def by_name(dot):
    """The DOT text with node ids replaced by the layer names, as in the Keras references."""
    names = {node.id: node.layer.name for node in dot.all_nodes()}
    return re.sub(r"\b\d{4,}\b", lambda m: names.get(m.group(0), m.group(0)), dot.to_string())


def dot_nodes_and_edges(text):
    nodes = re.findall(r"^(\d+) \[label=", text, flags=re.M)
    edges = re.findall(r"^(\d+) -> (\d+) \[penwidth=2\];$", text, flags=re.M)
    return nodes, edges


def _label(name, cls, colspan=1):
    return (f'{name} [label=<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
            f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">'
            f"<b>{name}</b> ({cls})</font></td></tr></table>>, fontname=Helvetica, border=0, "
            f"margin=0];")


# What Keras 3.15.1 + pydot 4.0.1 write for branching() with the default options.
KERAS_DOT_BRANCHING = "\n".join([
    "digraph G {", "rankdir=TB;", "concentrate=true;", "dpi=200;", "splines=ortho;",
    "node [shape=record];",
    _label("a", "InputLayer"), _label("h1", "Dense"), _label("h2", "Dense"), _label("s", "Add"),
    _label("b", "InputLayer"), _label("t", "Concatenate"), _label("pre", "Dense"),
    _label("shared", "Dense"),
    "a -> h1 [penwidth=2];", "h1 -> h2 [penwidth=2];", "a -> s [penwidth=2];",
    "h2 -> s [penwidth=2];", "h1 -> t [penwidth=2];", "s -> t [penwidth=2];",
    "b -> t [penwidth=2];", "t -> pre [penwidth=2];", "pre -> shared [penwidth=2];",
    "shared -> shared [penwidth=2];", "}", ""])

# Keras 3.15.1's labels for two layers of nested_outer() with every option on (LR, dpi=96).
KERAS_INNER_DENSE_LABEL = (
    'inner_dense [label=<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    '<tr><td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>inner_dense</b>'
    ' (Dense)</font></td></tr><tr><td bgcolor="white" colspan="4"><font point-size="14">'
    'Activation: <b>relu</b></font></td></tr><tr><td bgcolor="white"><font point-size="14">'
    'Input shape: <b>(None, 4)</b></font></td><td bgcolor="white"><font point-size="14">'
    'Output shape: <b>(None, 3)</b></font></td><td bgcolor="white"><font point-size="14">'
    'Output dtype: <b>float32</b></font></td><td bgcolor="firebrick"><font point-size="14" '
    'color="white"><b>Non-trainable</b></font></td></tr></table>>, fontname=Helvetica, '
    'border=0, margin=0];')
KERAS_TOTAL_LABEL = (
    'total [label=<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr>'
    '<td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>total</b> (Add)'
    '</font></td></tr><tr><td bgcolor="white"><font point-size="14">Input shape: '
    '<b>[(None, 2), (None, 2)]</b></font></td><td bgcolor="white"><font point-size="14">'
    'Output shape: <b>(None, 2)</b></font></td><td bgcolor="white"><font point-size="14">'
    'Output dtype: <b>float32</b></font></td></tr></table>>, fontname=Helvetica, border=0, '
    'margin=0];')
KERAS_NESTED_EXPANDED_STRUCTURE = [
    "digraph G {", "rankdir=LR;", "concentrate=true;", "dpi=96;", "splines=ortho;",
    "node [shape=record];", "outer_in", "subgraph cluster_inner {", "style=dashed;",
    "label=inner;", "labeljust=l;", "inner_in", "inner_dense",
    "inner_in -> inner_dense [penwidth=2];",
    "}", "subgraph cluster_seq {", "style=dashed;", "label=seq;", "labeljust=l;", "seq_dense",
    "seq_dense2", "seq_dense -> seq_dense2 [penwidth=2];", "}", "side", "total",
    "outer_in -> inner_in [penwidth=2];", "inner_dense -> seq_dense [penwidth=2];",
    "inner_dense -> side [penwidth=2];", "seq_dense2 -> total [penwidth=2];",
    "side -> total [penwidth=2];", "}"]


# ------------------------------------------------------------------------------------------------
# model_to_dot: the DOT text
# ------------------------------------------------------------------------------------------------
def test_dot_text_is_keras_for_a_graph_with_branches_merges_and_a_shared_layer():
    assert by_name(model_to_dot(branching())) == KERAS_DOT_BRANCHING


def test_dot_has_one_node_per_layer_and_one_edge_per_connection():
    model = branching()
    dot = model_to_dot(model)
    nodes, edges = dot_nodes_and_edges(dot.to_string())
    assert len(nodes) == len(model.layers) == 8
    assert sorted(nodes) == sorted(str(id(layer)) for layer in model.layers)
    # one edge per (source layer, destination layer) connection of the graph
    names = {str(id(layer)): layer.name for layer in model.layers}
    assert sorted((names[s], names[d]) for s, d in edges) == sorted([
        ("a", "h1"), ("h1", "h2"), ("a", "s"), ("h2", "s"), ("h1", "t"), ("s", "t"), ("b", "t"),
        ("t", "pre"), ("pre", "shared"), ("shared", "shared")])
    assert dot.get_edges() == [tuple(e) for e in edges]
    assert str(dot) == dot.to_string()


def test_dot_of_a_sequential_is_a_chain_without_the_input_layer():
    model = three_layers()
    nodes, edges = dot_nodes_and_edges(model_to_dot(model).to_string())
    assert nodes == [str(id(layer)) for layer in model.layers] and len(nodes) == 3
    assert edges == [(nodes[0], nodes[1]), (nodes[1], nodes[2])]


def test_dot_with_every_option_and_nested_clusters_is_keras():
    dot = model_to_dot(nested_outer(), show_shapes=True, show_dtype=True,
                       show_layer_activations=True, show_trainable=True, rankdir="LR", dpi=96,
                       expand_nested=True)
    text = by_name(dot)
    assert KERAS_INNER_DENSE_LABEL in text.splitlines()
    assert KERAS_TOTAL_LABEL in text.splitlines()
    structure = [line.split(" [label=")[0] for line in text.splitlines()]
    assert structure == KERAS_NESTED_EXPANDED_STRUCTURE
    assert [sub.name for sub in dot.get_subgraphs()] == ["inner", "seq"]


def test_nested_model_is_one_box_unless_expanded():
    model = nested_outer()
    nodes, edges = dot_nodes_and_edges(model_to_dot(model).to_string())
    assert len(nodes) == 5 and len(edges) == 5  # outer_in, inner, seq, side, total
    assert "subgraph" not in model_to_dot(model).to_string()


def test_labels_without_names_show_the_class_and_escape_html():
    model = Sequential([Input((3,)), layers.Dense(2, name="a<b&c")])
    text = model_to_dot(model, show_layer_names=False).to_string()
    assert "<b>Dense</b>" in text and "a<b" not in text
    text = model_to_dot(model).to_string()
    assert "<b>a&lt;b&amp;c</b> (Dense)" in text


def test_subclassed_model_is_one_box():
    class Tiny(Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(np.zeros((1, 3), "float32"))
    nodes, edges = dot_nodes_and_edges(model_to_dot(model).to_string())
    assert len(nodes) == 1 and edges == []
    assert "<b>tiny</b> (Tiny)" in model_to_dot(model).to_string()


def test_errors_like_keras():
    with pytest.raises(ValueError, match="not yet been built"):
        model_to_dot(Sequential([layers.Dense(2)]))
    with pytest.raises(ValueError, match="layer_range"):
        model_to_dot(three_layers(), layer_range=["a", "b"])
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        plot_model(three_layers(), "x.png", bogus=1)


def test_dot_file_needs_neither_graphviz_nor_matplotlib(tmp_path, monkeypatch, no_graphviz):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    path = tmp_path / "model.dot"
    model = branching()
    plot_model(model, to_file=path)
    assert path.read_text() == model_to_dot(model, show_layer_names=False).to_string()


def test_dot_graph_create_and_to_pydot_explain_what_is_missing(monkeypatch):
    dot = model_to_dot(three_layers())
    monkeypatch.setenv("PATH", "")
    with pytest.raises(OSError, match="graphviz"):
        dot.create(format="png")
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pydot"):
        dot.to_pydot()


# ------------------------------------------------------------------------------------------------
# plot_model
# ------------------------------------------------------------------------------------------------
def dark_runs(mask):
    """Number of runs of True in a 1-D boolean array."""
    return int(np.sum(np.diff(np.concatenate([[0], mask.astype(int)])) == 1))


def read_gray(path):
    import matplotlib.image
    image = matplotlib.image.imread(str(path))
    return image[..., :3].mean(axis=-1)


@needs_matplotlib
def test_three_layers_top_to_bottom_are_three_boxes_in_a_tall_picture(tmp_path, no_graphviz):
    path = tmp_path / "model.png"
    plot_model(three_layers(), to_file=str(path))
    gray = read_gray(path)
    height, width = gray.shape
    assert height > 1.5 * width
    dark = gray < 0.5
    # Box rows are mostly black; the arrows between them are thin.
    box_rows = dark.mean(axis=1) > 0.3
    assert dark_runs(box_rows) == 3
    assert dark_runs(dark.mean(axis=0) > 0.3) == 1  # the boxes are stacked in one column
    # The three boxes are the same size ("Dense"), evenly spaced.
    starts = np.flatnonzero(np.diff(np.concatenate([[0], box_rows.astype(int)])) == 1)
    ends = np.flatnonzero(np.diff(np.concatenate([box_rows.astype(int), [0]])) == -1)
    assert len(set((ends - starts).tolist())) <= 2
    gaps = starts[1:] - ends[:-1]
    assert abs(int(gaps[0]) - int(gaps[1])) <= 2
    # the white header text sits inside the black boxes
    inside = gray[starts[0]:ends[0] + 1]
    assert (inside > 0.9).mean() > 0.02


@needs_matplotlib
def test_left_to_right_is_wider_than_tall_with_three_boxes_side_by_side(tmp_path, no_graphviz):
    path = tmp_path / "model.png"
    plot_model(three_layers(), to_file=path, rankdir="LR", dpi=100)
    gray = read_gray(path)
    height, width = gray.shape
    assert width > 2 * height
    dark = gray < 0.5
    assert dark_runs(dark.mean(axis=0) > 0.3) == 3
    assert dark_runs(dark.mean(axis=1) > 0.3) == 1


@needs_matplotlib
def test_dpi_scales_the_picture(tmp_path, no_graphviz):
    plot_model(three_layers(), to_file=tmp_path / "a.png", dpi=100)
    plot_model(three_layers(), to_file=tmp_path / "b.png", dpi=200)
    small, large = read_gray(tmp_path / "a.png"), read_gray(tmp_path / "b.png")
    assert abs(large.shape[0] / small.shape[0] - 2) < 0.05
    assert abs(large.shape[1] / small.shape[1] - 2) < 0.05


@needs_matplotlib
def test_shapes_make_boxes_wider_and_taller(tmp_path, no_graphviz):
    plot_model(three_layers(), to_file=tmp_path / "plain.png", dpi=72)
    plot_model(three_layers(), to_file=tmp_path / "shapes.png", dpi=72, show_shapes=True,
               show_layer_names=True)
    plain, shapes = read_gray(tmp_path / "plain.png"), read_gray(tmp_path / "shapes.png")
    assert shapes.shape[0] > plain.shape[0] and shapes.shape[1] > 2 * plain.shape[1]
    # the shape rows are white cells with black text inside each box
    row_profile = (shapes < 0.5).mean(axis=1)
    assert ((row_profile > 0.05) & (row_profile < 0.3)).sum() > 10


@needs_matplotlib
def test_branching_graph_is_drawn_with_every_layer(tmp_path, no_graphviz):
    model = branching()
    path = tmp_path / "graph.png"
    plot_model(model, to_file=path, show_layer_names=True, dpi=72)
    gray = read_gray(path)
    assert gray.shape[0] > gray.shape[1]
    layout = graph_layout._Layout(model_to_dot(model), "TB")
    assert len(layout.boxes) == len(model.layers)
    # a -> h1 -> h2 -> s -> t -> pre -> shared: seven ranks, b sits next to s (feeds t)
    ys = {layout.boxes[node_id].node.layer.name: y for node_id, (x, y) in layout.positions.items()
          if node_id in layout.boxes}
    assert ys["a"] < ys["h1"] < ys["h2"] < ys["s"] < ys["t"] < ys["pre"] < ys["shared"]
    assert ys["b"] == ys["s"]
    # boxes of one rank never overlap
    boxes = [(x - layout.boxes[n].width / 2, x + layout.boxes[n].width / 2, y)
             for n, (x, y) in layout.positions.items() if n in layout.boxes]
    for i, (l1, r1, y1) in enumerate(boxes):
        for l2, r2, y2 in boxes[i + 1:]:
            if y1 == y2:
                assert r1 <= l2 or r2 <= l1


@needs_matplotlib
def test_expanded_nested_models_are_dashed_clusters_around_their_layers(tmp_path, no_graphviz):
    model = nested_outer()
    dot = model_to_dot(model, expand_nested=True)
    layout = graph_layout._Layout(dot, "TB")
    assert len(layout.cluster_boxes) == 2
    names = {node.id: node.layer.name for node in dot.all_nodes()}
    for left, top, right, bottom, label in layout.cluster_boxes:
        inside = {names[n] for n, (x, y) in layout.positions.items()
                  if n in layout.boxes and left < x < right and top < y < bottom}
        assert inside == {"inner": {"inner_in", "inner_dense"},
                          "seq": {"seq_dense", "seq_dense2"}}[label]
    plot_model(model, to_file=tmp_path / "nested.svg", expand_nested=True)
    svg = (tmp_path / "nested.svg").read_text()
    assert svg.startswith("<?xml") and "stroke-dasharray" in svg


@needs_matplotlib
def test_formats_by_extension(tmp_path, no_graphviz):
    model = three_layers()
    plot_model(model, to_file=tmp_path / "m.pdf")
    plot_model(model, to_file=tmp_path / "m.svg")
    plot_model(model, to_file=tmp_path / "m")  # no extension: PNG, as in Keras
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in (tmp_path / "m.svg").read_bytes()
    assert (tmp_path / "m").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="gif"):
        plot_model(model, to_file=tmp_path / "m.gif")


def test_clear_error_when_neither_graphviz_nor_matplotlib(tmp_path, monkeypatch, no_graphviz):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="matplotlib.*graphviz|graphviz.*matplotlib"):
        plot_model(three_layers(), to_file=tmp_path / "m.png")


def test_graphviz_is_used_when_installed(tmp_path, monkeypatch):
    """A stand-in `dot` program on the PATH receives the DOT text and -T<format>."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    "sys.stdout.write('rendered ' + ' '.join(sys.argv[1:]) + '\\n')\n"
                    "sys.stdout.write(sys.stdin.read())\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    model = three_layers()
    plot_model(model, to_file=tmp_path / "m.svg", rankdir="LR")
    output = (tmp_path / "m.svg").read_text()
    assert output == "rendered -Tsvg\n" + model_to_dot(model, show_layer_names=False,
                                                       rankdir="LR").to_string()
    assert model_to_dot(model).create(format="png").startswith(b"rendered -Tpng\n")


@pytest.mark.skipif(model_visualization._graphviz_dot() is None, reason="graphviz not installed")
def test_real_graphviz_renders_a_png(tmp_path):
    path = tmp_path / "m.png"
    plot_model(three_layers(), to_file=path)
    gray = read_gray(path) if HAVE_MATPLOTLIB else None
    assert path.read_bytes().startswith(b"\x89PNG")
    if gray is not None:
        assert gray.shape[0] > gray.shape[1]


def test_exported_from_utils_and_visualization():
    import minikeras.visualization as visualization
    assert visualization.plot_model is plot_model
    assert visualization.model_to_dot is model_to_dot
    assert isinstance(model_to_dot(three_layers()), DotGraph)
    if hasattr(minikeras.utils, "plot_model"):
        assert minikeras.utils.plot_model is plot_model
        assert minikeras.utils.model_to_dot is model_to_dot


def test_unknown_rankdir_is_an_error_naming_the_argument():
    model = Sequential([Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"`rankdir` must be 'TB'.*rankdir='XY'"):
        model_to_dot(model, rankdir="XY")
    assert "rankdir=LR;" in model_to_dot(model, rankdir="LR").to_string().splitlines()
