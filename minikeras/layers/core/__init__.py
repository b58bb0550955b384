from minikeras.layers.core.dense import Dense
from minikeras.layers.core.identity import Identity
from minikeras.layers.core.input_layer import Input, InputLayer
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.layers.core.embedding import Embedding
from minikeras.layers.core.reversible_embedding import ReversibleEmbedding
from minikeras.layers.core.masking import Masking
from minikeras.layers.core.einsum_dense import EinsumDense
from minikeras.layers.core.wrapper import Wrapper
