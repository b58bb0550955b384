"""FeatureSpace (`keras.utils.FeatureSpace`): preprocess and encode a dict of structured-data
features (numbers, categories, hashed values, crosses) into one vector or a dict of vectors.

Every feature gets a preprocessing layer (Keras's choice for each feature type):

    float               Identity-like `TFDIdentity`           -> float32, as is
    float_normalized    layers.Normalization (adapted)        -> standardized float32
    float_rescaled      layers.Rescaling(scale, offset)       -> float32
    float_discretized   layers.Discretization(num_bins)       -> bin index (one-hot by default)
    integer_categorical layers.IntegerLookup (adapted)        -> index    (one-hot by default)
    string_categorical  layers.StringLookup (adapted)         -> index    (one-hot by default)
    integer_hashed      layers.Hashing(num_bins)              -> bin index (one-hot by default)
    string_hashed       layers.Hashing(num_bins)              -> bin index (one-hot by default)

and each cross of features a layers.HashedCrossing(crossing_dim). Integer outputs with
`output_mode="one_hot"` go through layers.CategoryEncoding(output_mode="multi_hot") sized by
the preprocessor's cardinality; a custom preprocessor tells its cardinality with
`vocabulary_size()`, `num_tokens` or `num_bins`. The layers are looked up in
`minikeras.layers` when a feature is made (that package imports this module).

Unlike Keras (which needs a tf.data.Dataset), `adapt` takes a dict of arrays or an iterable of
such dicts (batches), and the FeatureSpace is called on a dict of arrays (batched, a single
sample of scalars, or symbolic Inputs) without TensorFlow.
"""
import numpy as np

from minikeras.backend.array_module import xp
from minikeras.layers.layer import KerasTensor, Layer
from minikeras.layers.serialization import (build_from_config, deserialize, get_build_config,
                                            serialize)
from minikeras.registry.layer_classes import register_layer

FEATURE_SPACE_MODULE = "keras.src.layers.preprocessing.feature_space"
_NAME_COUNTS = {}


def _auto_name(prefix):
    count = _NAME_COUNTS.get(prefix, 0)
    _NAME_COUNTS[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def _layer_class(class_name, what):
    """`minikeras.layers.<class_name>` (`what` needs it), looked up when first used."""
    import minikeras.layers as layers_module
    return getattr(layers_module, class_name)


def _object_config(class_name, config):
    return {"module": FEATURE_SPACE_MODULE, "class_name": class_name, "config": config,
            "registered_name": class_name}


@register_layer(module=FEATURE_SPACE_MODULE, registered_name="TFDIdentity")
class TFDIdentity(Layer):
    """The `float` feature's preprocessor: returns its input (as Keras's TFDIdentity does)."""

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Cross:
    """A cross of features (`FeatureSpace.cross`): their values hashed together into
    `crossing_dim` bins; `output_mode` "one_hot" (default) or "int". Named "a_X_b"."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature: its input `dtype`, its preprocessing layer and its `output_mode`
    ("int", "one_hot" or "float")."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = deserialize(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialize(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _from_object_config(config, expected):
    """A Feature / Cross from its serialized dict (Keras's layout, see `_object_config`)."""
    class_name = config.get("class_name")
    if class_name != expected:
        raise ValueError(f"FeatureSpace: expected a serialized {expected}, received "
                         f"class_name={class_name!r}")
    klass = Feature if expected == "Feature" else Cross
    return klass.from_config(config["config"])


@register_layer(module="keras.utils")
class FeatureSpace(Layer):
    """Preprocess and encode a dict of structured-data features in one step.

        space = FeatureSpace(
            features={"age": "float_normalized", "fare": FeatureSpace.float_rescaled(0.01),
                      "height": "float"},
            output_mode="concat")
        space.adapt({"age": ages, "fare": fares, "height": heights})   # dict of arrays
        vectors = space({"age": ages, "fare": fares, "height": heights})  # (n, 3) float32

        inputs = space.get_inputs()                 # {name: Input(shape=(1,))}
        encoded = space.get_encoded_features()      # the symbolic encoded tensor
        model = keras.Model(inputs, layers.Dense(1)(encoded))

        keras.saving.save_model(space, "space.keras")   # adapted state included
        space = keras.models.load_model("space.keras")

    Features are encoded in sorted name order, then the crosses in sorted name order; "concat"
    joins them on the last axis (every part must be a float: one-hot or float features),
    "dict" returns {name: encoded feature}. A dict of 1-D arrays is a batch (each becomes
    (n, 1)); a dict of scalars is one sample (the output loses the batch axis).

    Args:
        features: {name: feature type name or a feature from the class methods below, e.g.
            FeatureSpace.integer_categorical(max_tokens=10)}. Type names use the defaults.
        output_mode: "concat" (default) or "dict".
        crosses: feature name tuples to cross, e.g. [("a", "b")], or FeatureSpace.cross(...).
        crossing_dim: bins of a cross given as a tuple. Defaults to 32.
        hashing_dim: bins of "integer_hashed" / "string_hashed" given by name. Defaults to 32.
        num_discretization_bins: bins of "float_discretized" given by name. Defaults to 32.

    See the module docstring for each type's preprocessing layer. Keras's
    `space.save(path)` method is not here (the layers package does not import the saving
    package): `keras.saving.save_model(space, path)` writes the same `.keras` file.
    """

    # -- feature constructors (Keras's class methods) --------------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _auto_name("float")
        preprocessor = TFDIdentity(dtype="float32", name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        from minikeras.layers.preprocessing.rescaling import Rescaling
        name = name or _auto_name("float_rescaled")
        preprocessor = Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_normalized(cls, name=None):
        from minikeras.layers.preprocessing.normalization import Normalization
        name = name or _auto_name("float_normalized")
        preprocessor = Normalization(axis=-1, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        klass = _layer_class("Discretization", "float_discretized")
        name = name or _auto_name("float_discretized")
        preprocessor = klass(num_bins=num_bins, bin_boundaries=bin_boundaries,
                             name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        klass = _layer_class("IntegerLookup", "integer_categorical")
        name = name or _auto_name("integer_categorical")
        preprocessor = klass(name=f"{name}_preprocessor", max_tokens=max_tokens,
                             num_oov_indices=num_oov_indices)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        klass = _layer_class("StringLookup", "string_categorical")
        name = name or _auto_name("string_categorical")
        preprocessor = klass(name=f"{name}_preprocessor", max_tokens=max_tokens,
                             num_oov_indices=num_oov_indices)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        klass = _layer_class("Hashing", "string_hashed")
        name = name or _auto_name("string_hashed")
        preprocessor = klass(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        klass = _layer_class("Hashing", "integer_hashed")
        name = name or _auto_name("integer_hashed")
        preprocessor = klass(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    # -- construction ------------------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {key: self._standardize_feature(key, value)
                         for key, value in features.items()}
        self.crosses = []
        for cross in crosses or ():
            if isinstance(cross, dict):
                cross = _from_object_config(cross, "Cross")
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError("When specifying `crosses`, the argument `crossing_dim` "
                                     "(dimensionality of the crossing space) should be "
                                     "specified as well.")
                unknown = [key for key in cross if key not in self.features]
                if unknown:
                    raise ValueError("All features referenced in the `crosses` argument should "
                                     "be present in the `features` dict. Received unknown "
                                     f"features: {cross}")
                cross = Cross(cross, crossing_dim=crossing_dim)
            self.crosses.append(cross)
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode}")
        self.output_mode = output_mode
        from minikeras.layers.core.input_layer import Input
        self.inputs = {key: Input(shape=(1,), dtype=feature.dtype, name=key)
                       for key, feature in self.features.items()}
        self.preprocessors = {key: feature.preprocessor for key, feature in self.features.items()}
        self.crossers = {cross.name: _layer_class("HashedCrossing", "crosses")(
            cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders = {}
        self.encoded_features = None
        self._is_adapted = False
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _from_object_config(feature, "Feature")
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(
                name=name, num_bins=self.num_discretization_bins),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(f"Invalid feature type: {feature}")
        return makers[feature]()

    # -- adapting ------------------------------------------------------------------------------
    def _adaptable_names(self):
        from minikeras.layers.preprocessing.normalization import Normalization
        names = []
        for key, preprocessor in self.preprocessors.items():
            if isinstance(preprocessor, Normalization) and preprocessor.input_mean is not None:
                continue  # a Normalization given a fixed mean / variance is not adapted
            if hasattr(preprocessor, "adapt"):
                names.append(key)
        return names

    def adapt(self, dataset):
        """Adapt every adaptable preprocessor (Normalization, the lookups, Discretization) on
        its feature.

        Args:
            dataset: a dict {feature name: array of samples}, or an iterable of such dicts
                (batches; `(x, y)` tuples use x). Scalars per sample and 1-D batches are
                reshaped to (n, 1) as Keras does before adapting.
        """
        if isinstance(dataset, dict):
            batches = [dataset]
        elif hasattr(dataset, "__iter__") and not isinstance(dataset, (str, bytes)):
            batches = [batch[0] if isinstance(batch, tuple) else batch for batch in dataset]
        else:
            raise ValueError("FeatureSpace.adapt: `dataset` must be a dict of arrays or an "
                             f"iterable of such dicts; received {type(dataset).__name__}")
        if not batches or not all(isinstance(batch, dict) for batch in batches):
            raise ValueError("FeatureSpace.adapt: `dataset` must be a dict of arrays or a "
                             "non-empty iterable of such dicts")
        for key in self._adaptable_names():
            missing = [index for index, batch in enumerate(batches) if key not in batch]
            if missing:
                raise ValueError(f"FeatureSpace.adapt: feature {key!r} is missing from the "
                                 f"data (keys: {sorted(batches[missing[0]])})")
            values = [_as_column(batch[key]) for batch in batches]
            self.preprocessors[key].adapt(values[0] if len(values) == 1 else values)
        self._is_adapted = True
        self.get_encoded_features()
        self.built = True
        self._sublayers_built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._adaptable_names():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace "
                                 "before you can start using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # -- encoding ------------------------------------------------------------------------------
    def get_inputs(self):
        """{feature name: the symbolic Input (shape (1,), the feature's dtype)}."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoding of `get_inputs()`: one tensor ("concat") or a dict."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            self.encoded_features = self._merge_features(preprocessed,
                                                         self._cross_features(preprocessed))
        return self.encoded_features

    def _preprocess_features(self, features):
        return {key: self.preprocessors[key](features[key]) for key in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[key]
                                                       for key in cross.feature_names])
                for cross in self.crosses}

    def _one_hot_encoder(self, name, spec):
        """The CategoryEncoding that one-hot encodes `name`'s integer output (made once)."""
        if name not in self.one_hot_encoders:
            preprocessor = self.preprocessors.get(name) or self.crossers.get(name)
            if hasattr(preprocessor, "vocabulary_size"):
                cardinality = preprocessor.vocabulary_size()
            elif hasattr(preprocessor, "num_tokens"):
                cardinality = preprocessor.num_tokens
            elif hasattr(preprocessor, "num_bins"):
                cardinality = preprocessor.num_bins
            else:
                raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it "
                                 "isn't a standard feature and the dimensionality of its output "
                                 "space is not known, thus it cannot be one-hot encoded. Try "
                                 "using `output_mode='int'`.")
            encoding = _layer_class("CategoryEncoding", "one-hot encoding")
            self.one_hot_encoders[name] = encoding(num_tokens=cardinality,
                                                   output_mode="multi_hot")
        return self.one_hot_encoders[name]

    def _merge_features(self, preprocessed, crossed):
        names = sorted(preprocessed) + sorted(crossed)
        specs = {**self.features, **self.crosses_by_name}
        encoded = {}
        for name in names:
            feature = preprocessed[name] if name in preprocessed else crossed[name]
            if specs[name].output_mode == "one_hot":
                dtype = str(feature.dtype)
                if not dtype.startswith(("int", "uint")):
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                                     "preprocessor should return an integer dtype. Instead it "
                                     f"returns a {dtype} dtype.")
                feature = self._one_hot_encoder(name, specs[name])(feature)
            if self.output_mode == "concat":
                dtype = str(feature.dtype)
                if dtype.startswith(("int", "uint")) or dtype in ("string", "object") \
                        or dtype.startswith(("<U", "|S")):
                    raise ValueError(f"Cannot concatenate features because feature '{name}' "
                                     f"has not been encoded (it has dtype {dtype}). Consider "
                                     "using `output_mode='dict'`.")
            encoded[name] = feature
        if self.output_mode == "dict":
            return encoded
        parts = [encoded[name] for name in names]
        if any(isinstance(part, KerasTensor) for part in parts):
            from minikeras.layers.merging.concatenate import Concatenate
            return Concatenate(axis=-1)(parts) if len(parts) > 1 else parts[0]
        from minikeras.ops import cast, concatenate
        return concatenate([cast(part, "float32") for part in parts], axis=-1)

    def __call__(self, data):
        """Encode a dict {feature name: values}: batched arrays ((n,) or (n, 1)), one sample
        of scalars, or symbolic tensors (then the result is symbolic)."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict. "
                             f"Received: data={data} (of type {type(data)})")
        missing = sorted(set(self.features) - set(data))
        if missing:
            raise ValueError(f"FeatureSpace: the data has no values for features {missing} "
                             f"(received keys {sorted(data)})")
        rebatched = False
        columns = {}
        for key in self.features:
            value = data[key]
            if not isinstance(value, KerasTensor):
                value = np.asarray(value)
                if value.dtype.kind in "US" or value.dtype == object:
                    pass  # strings stay NumPy arrays for the lookup / hashing layers
                else:
                    value = xp.asarray(value)
                if value.ndim == 0:
                    value, rebatched = value.reshape(1, 1), True
                elif value.ndim == 1:
                    value = value.reshape(-1, 1)
            elif len(value.shape) == 1:
                from minikeras.ops import expand_dims
                value = expand_dims(value, -1)
            columns[key] = value
        preprocessed = self._preprocess_features(columns)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if rebatched:
            if self.output_mode == "concat":
                merged = merged[0]
            else:
                merged = {key: value[0] if len(value.shape) == 2 and value.shape[0] == 1
                          else value for key, value in merged.items()}
        return merged

    # -- config --------------------------------------------------------------------------------
    def get_config(self):
        return {
            "features": {key: _object_config("Feature", feature.get_config())
                         for key, feature in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [_object_config("Cross", cross.get_config()) for cross in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        """{feature name: its preprocessor's build config} (None for an unbuilt one)."""
        return {key: get_build_config(feature.preprocessor)
                for key, feature in self.features.items()}

    def build_from_config(self, config):
        """Build each preprocessor from `get_build_config()`'s dict; the space then counts as
        adapted (a loaded FeatureSpace brings its adapted state with its weights)."""
        for key, preprocessor_config in (config or {}).items():
            preprocessor = self.features[key].preprocessor
            if not preprocessor.built and preprocessor_config:
                build_from_config(preprocessor, preprocessor_config)
        self._is_adapted = True


def _as_column(values):
    """A feature's samples as an (n, 1) array (scalars per sample / 1-D batches reshaped)."""
    values = np.asarray(values)
    return values.reshape(-1, 1) if values.ndim <= 1 else values
