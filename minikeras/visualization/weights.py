"""Looking inside a model: a layer's weights, and the feature maps a layer computes."""
import numpy as np

from minikeras.visualization.figures import as_numpy, finish, grid_columns, new_figure


def _kernel(layer):
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        candidates = [w for w in getattr(layer, "weights", []) if len(w.shape) >= 2]
        if not candidates:
            raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}) has no weight matrix "
                             f"or kernel to plot" + ("" if layer.built else " (it is not built "
                                                     "yet: build or call the model first)") + ".")
        kernel = candidates[0]
    return as_numpy(kernel)


def plot_weights(layer, channel=None, max_filters=64, cmap=None, to_file=None, dpi=None):
    """A layer's kernel: a heat map of a Dense weight matrix, a grid of Conv2D filters.

        plot_weights(model.get_layer("dense"))     # (inputs x units), red > 0 > blue
        plot_weights(model.layers[0])              # Conv2D: one small image per filter

    Args:
        layer: a built layer with a `kernel` (or another weight of 2 or more dimensions).
        channel: for Conv2D kernels, the input channel to show. Default: the only channel of
            a one-channel input, the three channels as colours of an RGB input, otherwise the
            mean over input channels.
        max_filters: show at most this many Conv2D filters.
        cmap: the colour map (default "RdBu_r", centred on 0, except for RGB filters).
    Returns:
        The matplotlib Figure. A 2-D kernel (Dense: (inputs, units)) is one image with a colour
        bar; a 4-D one (kh, kw, in, filters) is one small image per filter; others (Conv1D,
        Conv3D) are reshaped to (everything but the filters, filters) and shown as one image.
    """
    kernel = _kernel(layer)
    cmap = cmap or "RdBu_r"
    if kernel.ndim == 4:
        kh, kw, n_in, n_out = kernel.shape
        n = min(n_out, max_filters)
        ncols = grid_columns(n)
        figure, axes = new_figure(n, ncols=ncols, panel_size=(1.1, 1.1))
        rgb = channel is None and n_in == 3
        if channel is not None:
            images = kernel[:, :, channel, :n]
        elif n_in == 1 or rgb:
            images = kernel[:, :, 0, :n] if n_in == 1 else kernel[:, :, :, :n]
        else:
            images = kernel[:, :, :, :n].mean(axis=2)
        limit = float(np.abs(images).max()) or 1.0
        for i, ax in enumerate(axes):
            if rgb:
                image = images[..., i]
                low, high = image.min(), image.max()
                ax.imshow((image - low) / (high - low or 1.0), interpolation="nearest")
            else:
                ax.imshow(images[..., i], cmap=cmap, vmin=-limit, vmax=limit,
                          interpolation="nearest")
            ax.set_title(str(i), fontsize=7)
            ax.set_axis_off()
        what = ("RGB" if rgb else f"input channel {channel}" if channel is not None
                else "mean over input channels" if n_in > 1 else "")
        figure.suptitle(f"{layer.name}: {n} of {n_out} filters, {kh}x{kw}"
                        + (f" ({what})" if what else ""), fontsize=9)
        return finish(figure, to_file, dpi)

    matrix = kernel if kernel.ndim == 2 else kernel.reshape(-1, kernel.shape[-1])
    figure, (ax,) = new_figure(1, panel_size=(5.0, 4.0))
    limit = float(np.abs(matrix).max()) or 1.0
    image = ax.imshow(matrix, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto",
                      interpolation="nearest")
    figure.colorbar(image, ax=ax)
    ax.set_xlabel("unit" if kernel.ndim == 2 else "filter")
    ax.set_ylabel("input" if kernel.ndim == 2 else f"kernel position x input ({kernel.shape[:-1]})")
    ax.set_title(f"{layer.name}: kernel {tuple(kernel.shape)}")
    return finish(figure, to_file, dpi)


def plot_feature_maps(model, layer_name, x, max_maps=32, cmap="viridis", to_file=None, dpi=None):
    """What a layer computes for one input: each channel of its output as an image.

        plot_feature_maps(model, "conv2d", x_test[:1])    # 32 maps of 26 x 26 for Keras's convnet

    Args:
        model: a Sequential or functional model (built).
        layer_name: the layer whose output to show.
        x: one sample, with or without its batch axis (only the first sample is used).
        max_maps: show at most this many channels.
    Returns:
        The matplotlib Figure. A (height, width, channels) output gives one image per channel
        (channels_first layers are handled); a (steps, features) output one image, steps
        across; a flat (units,) output one row of cells.
    """
    from minikeras.models.functional import Functional

    layer = model.get_layer(layer_name)
    try:
        inputs = model.inputs
        output = layer.output
    except AttributeError as error:
        raise ValueError(f"plot_feature_maps needs a Sequential or functional model whose "
                         f"layers were called on symbolic inputs ({error}).") from error
    extractor = Functional(inputs, output)
    x = as_numpy(x)
    expected_rank = len(inputs[0].shape)
    if x.ndim == expected_rank - 1:
        x = x[None]
    maps = extractor.predict(x[:1], verbose=0)
    if isinstance(maps, (list, tuple)):
        maps = maps[0]
    maps = as_numpy(maps)[0]
    if getattr(layer, "data_format", "channels_last") == "channels_first" and maps.ndim >= 2:
        maps = np.moveaxis(maps, 0, -1)
    if maps.ndim == 4:  # 3-D feature maps: the middle slice in depth
        maps = maps[maps.shape[0] // 2]

    if maps.ndim == 3:
        n = min(maps.shape[-1], max_maps)
        figure, axes = new_figure(n, ncols=grid_columns(n), panel_size=(1.2, 1.2))
        for i, ax in enumerate(axes):
            ax.imshow(maps[..., i], cmap=cmap, interpolation="nearest")
            ax.set_title(str(i), fontsize=7)
            ax.set_axis_off()
        figure.suptitle(f"{layer_name}: {n} of {maps.shape[-1]} feature maps, "
                        f"{maps.shape[0]}x{maps.shape[1]}", fontsize=9)
        return finish(figure, to_file, dpi)

    figure, (ax,) = new_figure(1, panel_size=(6.0, 2.4 if maps.ndim <= 1 else 3.6))
    image_data = maps.reshape(1, -1) if maps.ndim <= 1 else maps.T
    image = ax.imshow(image_data, cmap=cmap, aspect="auto", interpolation="nearest")
    figure.colorbar(image, ax=ax)
    if maps.ndim <= 1:
        ax.set_yticks([])
        ax.set_xlabel("unit")
    else:
        ax.set_xlabel("step")
        ax.set_ylabel("feature")
    ax.set_title(f"{layer_name}: output {tuple(maps.shape)}")
    return finish(figure, to_file, dpi)
