"""The engine room: numeric settings, the array module, the seeded RNG and the autodiff core."""
from minikeras.backend.config import (floatx, set_floatx, epsilon, set_epsilon, image_data_format,
                                      set_image_data_format, backend)
from minikeras.backend.array_module import (xp, set_array_module, get_array_module, to_numpy,
                                            set_array_backend, array_backend, on_host,
                                            is_device_array, check_array_type)
from minikeras.backend.random import global_generator, set_seed
from minikeras.backend.autodiff import (Tensor, Variable, GradientTape, backward, gradients, no_grad,
                                        enable_grad, is_recording, record)
from minikeras.backend.masking import get_keras_mask, set_keras_mask
from minikeras.backend.keras_tensor import KerasTensor, is_keras_tensor
from minikeras.backend.dtypes import (standardize_dtype, result_type, is_float_dtype,
                                      is_int_dtype)
from minikeras.backend.global_state import clear_session, get_uid
from minikeras.backend.name_scopes import name_scope, current_path
