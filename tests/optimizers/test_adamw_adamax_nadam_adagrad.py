"""AdamW, Adamax, Nadam and Adagrad against Keras 3.15.1.

The trajectories below were produced by keras 3.15.1 (torch backend) with a script of this shape
and pasted here as constants (values printed with 9 significant digits):

    w = keras.Variable(W0, name="w"); b = keras.Variable(B0, name="b")
    opt = <the case's optimizer>(..., name="o")
    for s in range(3):
        opt.apply([GW[s], GB[s]], [w, b]); record w, b
    record {v.name: v for v in opt.variables[2:]}              (KERAS_SLOTS, after step 3)

Each trajectory row holds w (2x2, flattened) then b (3,) after that step. Keras names Nadam's
momentum-product scalar "variable", "variable_1", ... (a global auto name); it is keyed
"u_product" here.
"""
import math
import re

import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers.adam import Adam
from minikeras.optimizers.adagrad import Adagrad
from minikeras.optimizers.adamax import Adamax
from minikeras.optimizers.adamw import AdamW
from minikeras.optimizers.base_optimizer import BLOCK_SIZE
from minikeras.optimizers.nadam import Nadam

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32"),
      np.array([[0.01, -0.02], [0.03, 0.001]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"),
      np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32")]

CASES = {
    "adamw": lambda: AdamW(learning_rate=0.01, name="o"),
    "adamw_betas_eps_wd": lambda: AdamW(learning_rate=0.01, beta_1=0.8, beta_2=0.9, epsilon=0.1,
                                        weight_decay=0.1, name="o"),
    "adamw_amsgrad": lambda: AdamW(learning_rate=0.01, beta_1=0.8, beta_2=0.9, amsgrad=True,
                                   weight_decay=0.05, name="o"),
    "adamw_clipnorm": lambda: AdamW(learning_rate=0.01, clipnorm=0.5, epsilon=0.1, name="o"),
    "adamax": lambda: Adamax(learning_rate=0.01, name="o"),
    "adamax_betas_eps": lambda: Adamax(learning_rate=0.1, beta_1=0.8, beta_2=0.5, epsilon=0.1,
                                       name="o"),
    "adamax_weight_decay": lambda: Adamax(learning_rate=0.01, weight_decay=0.05, name="o"),
    "adamax_clipnorm": lambda: Adamax(learning_rate=0.01, clipnorm=0.5, name="o"),
    "nadam": lambda: Nadam(learning_rate=0.01, name="o"),
    "nadam_betas_eps": lambda: Nadam(learning_rate=0.05, beta_1=0.8, beta_2=0.9, epsilon=0.1,
                                     name="o"),
    "nadam_weight_decay": lambda: Nadam(learning_rate=0.01, weight_decay=0.05, name="o"),
    "nadam_clipnorm": lambda: Nadam(learning_rate=0.01, clipnorm=0.5, name="o"),
    "nadam_ema": lambda: Nadam(learning_rate=0.01, use_ema=True, ema_momentum=0.5, name="o"),
    "adagrad": lambda: Adagrad(learning_rate=0.1, name="o"),
    "adagrad_init_eps": lambda: Adagrad(learning_rate=0.1, initial_accumulator_value=0.5,
                                        epsilon=0.01, name="o"),
    "adagrad_zero_init": lambda: Adagrad(learning_rate=0.1, initial_accumulator_value=0.0,
                                         name="o"),
    "adagrad_weight_decay": lambda: Adagrad(learning_rate=0.1, weight_decay=0.05, name="o"),
    "adagrad_clipnorm": lambda: Adagrad(learning_rate=0.1, clipnorm=1.0, name="o"),
}

KERAS_TRAJECTORIES = {
    'adamw': [
        [0.489980161, -0.989960134, 1.48994017, 1.98992014, 0.0899960846, -0.1899921, 0.28998813],
        [0.488515377, -0.988475382, 1.48017716, 1.98036873, 0.0801668465, -0.185289875, 0.292453527],
        [0.487201869, -0.987141907, 1.47248578, 1.97296166, 0.0725174472, -0.181653485, 0.294427365],
    ],
    'adamw_betas_eps_wd': [
        [0.494631678, -0.992451429, 1.49058557, 1.99060011, 0.0912652686, -0.192202523, 0.293574274],
        [0.493675798, -0.990853608, 1.48120236, 1.98145425, 0.0824939236, -0.188763738, 0.295507461],
        [0.492743731, -0.98928237, 1.47379303, 1.97422016, 0.0759511814, -0.186194316, 0.296901345],
    ],
    'adamw_amsgrad': [
        [0.489749998, -0.989499986, 1.48924994, 1.98899996, 0.0899500027, -0.189899996, 0.289850026],
        [0.488624513, -0.988124609, 1.47881877, 1.97856319, 0.0800900757, -0.185593247, 0.292725384],
        [0.487565577, -0.986815929, 1.47110665, 1.97091198, 0.073076427, -0.182531878, 0.294783831],
    ],
    'adamw_clipnorm': [
        [0.499699444, -0.999414146, 1.49890482, 1.99912298, 0.0987832546, -0.199346483, 0.299654484],
        [0.499710232, -0.999433339, 1.49741006, 1.99801743, 0.0971368253, -0.199069425, 0.299910933],
        [0.499694616, -0.999401748, 1.49618995, 1.99714339, 0.0958301648, -0.198853567, 0.300125062],
    ],
    'adamax': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.190000013, 0.290000021],
        [0.488770723, -0.988770723, 1.4817462, 1.98233151, 0.0813071057, -0.186575532, 0.292105287],
        [0.487871021, -0.987870991, 1.47644043, 1.97748375, 0.0757794529, -0.184412539, 0.293484271],
    ],
    'adamax_betas_eps': [
        [0.424999982, -0.914285719, 1.40769231, 1.90999997, 0.00476188958, -0.109090902, 0.216666669],
        [0.417592585, -0.905396819, 1.29905033, 1.79703701, -0.102877021, -0.0581649616, 0.239542484],
        [0.408986032, -0.893921435, 1.18118143, 1.68263423, -0.223417044, -0.00664269924, 0.264564067],
    ],
    'adamax_weight_decay': [
        [0.489749998, -0.989499986, 1.48924994, 1.98899996, 0.0899500027, -0.189900011, 0.289850026],
        [0.488275826, -0.987775922, 1.48025143, 1.9803369, 0.0812121257, -0.18638058, 0.291810364],
        [0.487131983, -0.986382306, 1.47420549, 1.97449887, 0.0756438673, -0.184124395, 0.293043435],
    ],
    'adamax_clipnorm': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.190000013, 0.290000021],
        [0.490748644, -0.990748644, 1.48022234, 1.98065186, 0.0800630823, -0.187038273, 0.292926282],
        [0.490835875, -0.990835845, 1.47375727, 1.97473383, 0.0736196339, -0.185167551, 0.294941604],
    ],
    'nadam': [
        [0.489372194, -0.989372194, 1.48937213, 1.98937213, 0.0893721879, -0.189372197, 0.289372206],
        [0.49444139, -0.99444139, 1.48310304, 1.98377836, 0.0826634616, -0.191151693, 0.297474384],
        [0.493978351, -0.993978381, 1.48176229, 1.98267615, 0.0814453065, -0.190610528, 0.297878504],
    ],
    'nadam_betas_eps': [
        [0.458557308, -0.952636898, 1.44899356, 1.95026875, 0.0473743416, -0.149766415, 0.253952563],
        [0.477674216, -0.974915087, 1.41631508, 1.92185044, 0.0112458244, -0.157152191, 0.29117316],
        [0.476004779, -0.97291249, 1.40769589, 1.91483927, 0.00284578372, -0.153992131, 0.293932021],
    ],
    'nadam_weight_decay': [
        [0.489122182, -0.98887217, 1.48862207, 1.98837209, 0.0893221945, -0.189272195, 0.289222211],
        [0.49394682, -0.993446887, 1.48160863, 1.98178411, 0.0825688019, -0.190957054, 0.297179759],
        [0.49323681, -0.992487133, 1.479527, 1.97969091, 0.0813093632, -0.190320402, 0.297435284],
    ],
    'nadam_clipnorm': [
        [0.489372194, -0.989372194, 1.48937213, 1.98937225, 0.0893721953, -0.189372197, 0.289372206],
        [0.496272266, -0.996272266, 1.48147726, 1.98210263, 0.0815915465, -0.191960454, 0.298216462],
        [0.495554507, -0.995554507, 1.47972012, 1.98092711, 0.0800950453, -0.191503391, 0.299077064],
    ],
    'nadam_ema': [
        [0.489372194, -0.989372194, 1.48937213, 1.98937213, 0.0893721879, -0.189372197, 0.289372206],
        [0.49444139, -0.99444139, 1.48310304, 1.98377836, 0.0826634616, -0.191151693, 0.297474384],
        [0.493978351, -0.993978381, 1.48176229, 1.98267615, 0.0814453065, -0.190610528, 0.297878504],
    ],
    'adagrad': [
        [0.431175292, -0.911534846, 1.40330124, 1.90565443, 0.00122703612, -0.104653753, 0.215484589],
        [0.472878158, -0.962334871, 1.34911835, 1.85923064, -0.0582986511, -0.127840698, 0.293998182],
        [0.470793456, -0.959795713, 1.34708691, 1.85913777, -0.0590923019, -0.127840698, 0.295044959],
    ],
    'adagrad_init_eps': [
        [0.461270154, -0.935673237, 1.4140662, 1.92166507, 0.00582367927, -0.118621156, 0.242646083],
        [0.486270159, -0.975086391, 1.36435664, 1.88176072, -0.0518686287, -0.138557464, 0.307863474],
        [0.48502025, -0.9731161, 1.3624928, 1.88168097, -0.0526378378, -0.138557464, 0.308733016],
    ],
    'adagrad_zero_init': [
        [0.400000036, -0.900000036, 1.39999998, 1.89999998, 0.0, -0.100000001, 0.200000018],
        [0.455470026, -0.955470026, 1.34452999, 1.85143566, -0.0600000024, -0.124253564, 0.283205032],
        [0.452697605, -0.952697575, 1.34245026, 1.85133851, -0.0607999787, -0.124253564, 0.284314364],
    ],
    'adagrad_weight_decay': [
        [0.428675294, -0.906534851, 1.39580131, 1.89565444, 0.000727035105, -0.103653751, 0.213984579],
        [0.468234777, -0.952802181, 1.33463943, 1.83975244, -0.058802288, -0.126322418, 0.291428238],
        [0.463808894, -0.945499003, 1.32593477, 1.83046079, -0.0593019277, -0.125690803, 0.29101789],
    ],
    'adagrad_clipnorm': [
        [0.450000018, -0.924407125, 1.40823376, 1.91339743, 0.00597991049, -0.119022384, 0.243203849],
        [0.496457219, -0.986549079, 1.33887362, 1.85302925, -0.0630049258, -0.145409614, 0.318699777],
        [0.4940328, -0.983306885, 1.33615911, 1.85290325, -0.0645643324, -0.145409614, 0.320406318],
    ],
}
KERAS_SLOTS = {
    'adamw': {
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_velocity': [0.000129880107, 0.000519520428, 0.00207738159, 0.00105813192],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_velocity': [0.00624015415, 0.00106043858, 0.000811537786],
    },
    'adamw_betas_eps_wd': {
        'w_momentum': [0.00840000249, -0.016800005, 0.28760004, 0.1954],
        'w_velocity': [0.0109000001, 0.0436000004, 0.174330011, 0.0881100819],
        'b_momentum': [0.5, -0.0880000144, -0.0579999946],
        'b_velocity': [0.526539981, 0.0866249949, 0.0708849952],
    },
    'adamw_amsgrad': {
        'w_momentum': [0.00840000249, -0.016800005, 0.28760004, 0.1954],
        'w_velocity': [0.0109000001, 0.0436000004, 0.174330011, 0.0881100819],
        'b_momentum': [0.5, -0.0880000144, -0.0579999946],
        'b_velocity': [0.526539981, 0.0866249949, 0.0708849952],
        'w_velocity_hat': [0.0121000009, 0.0484000035, 0.193600014, 0.0978999883],
        'b_velocity_hat': [0.584999979, 0.100000001, 0.0787499994],
    },
    'adamw_clipnorm': {
        'w_momentum': [-0.000226182572, 0.000452365144, 0.0670587569, 0.0438338555],
        'w_velocity': [1.7581815e-05, 7.03272599e-05, 0.000280609034, 0.00013213318],
        'b_momentum': [0.0771606117, -0.0110407583, -0.0120668402],
        'b_velocity': [0.000385951949, 5.29532081e-05, 6.08450973e-05],
    },
    'adamax': {
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_norm': [0.29940033, 0.598800659, 1.19760132, 0.898200929],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_norm': [1.99600208, 0.998001039, 0.749249995],
    },
    'adamax_betas_eps': {
        'w_momentum': [0.00840000249, -0.016800005, 0.28760004, 0.1954],
        'w_norm': [0.100000001, 0.200000003, 0.400000006, 0.25],
        'b_momentum': [0.5, -0.0880000144, -0.0579999946],
        'b_norm': [0.75, 0.25, 0.375],
    },
    'adamax_weight_decay': {
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_norm': [0.29940033, 0.598800659, 1.19760132, 0.898200929],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_norm': [1.99600208, 0.998001039, 0.749249995],
    },
    'adamax_clipnorm': {
        'w_momentum': [-0.000226182572, 0.000452365144, 0.0670587569, 0.0438338555],
        'w_norm': [0.0956868455, 0.191373691, 0.382747382, 0.27331382],
        'b_momentum': [0.0771606117, -0.0110407583, -0.0120668402],
        'b_norm': [0.441883534, 0.217781663, 0.220941767],
    },
    'nadam': {
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_velocity': [0.000129880107, 0.000519520428, 0.00207738159, 0.00105813192],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_velocity': [0.00624015415, 0.00106043858, 0.000811537786],
        'u_product': [0.113979936],
    },
    'nadam_betas_eps': {
        'w_momentum': [0.00840000249, -0.016800005, 0.28760004, 0.1954],
        'w_velocity': [0.0109000001, 0.0436000004, 0.174330011, 0.0881100819],
        'b_momentum': [0.5, -0.0880000144, -0.0579999946],
        'b_velocity': [0.526539981, 0.0866249949, 0.0708849952],
        'u_product': [0.0800517648],
    },
    'nadam_weight_decay': {
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_velocity': [0.000129880107, 0.000519520428, 0.00207738159, 0.00105813192],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_velocity': [0.00624015415, 0.00106043858, 0.000811537786],
        'u_product': [0.113979936],
    },
    'nadam_clipnorm': {
        'w_momentum': [-0.000226182572, 0.000452365144, 0.0670587569, 0.0438338555],
        'w_velocity': [1.7581815e-05, 7.03272599e-05, 0.000280609034, 0.00013213318],
        'b_momentum': [0.0771606117, -0.0110407583, -0.0120668402],
        'b_velocity': [0.000385951949, 5.29532081e-05, 6.08450973e-05],
        'u_product': [0.113979936],
    },
    'nadam_ema': {
        'w_average': [0.492942572, -0.992942572, 1.48399997, 1.9846257],
        'b_average': [0.0837315619, -0.190436244, 0.295650899],
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_velocity': [0.000129880107, 0.000519520428, 0.00207738159, 0.00105813192],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_velocity': [0.00624015415, 0.00106043858, 0.000811537786],
        'u_product': [0.113979936],
    },
    'adagrad': {
        'w_accumulator': [0.230100006, 0.620400012, 2.1809001, 1.16000092],
        'b_accumulator': [6.35039997, 1.16250002, 0.91260004],
    },
    'adagrad_init_eps': {
        'w_accumulator': [0.630100071, 1.02039993, 2.58090019, 1.5600009],
        'b_accumulator': [6.75040007, 1.5625, 1.31260002],
    },
    'adagrad_zero_init': {
        'w_accumulator': [0.130100012, 0.520400047, 2.08090019, 1.0600009],
        'b_accumulator': [6.25040007, 1.0625, 0.812600017],
    },
    'adagrad_weight_decay': {
        'w_accumulator': [0.230100006, 0.620400012, 2.1809001, 1.16000092],
        'b_accumulator': [6.35039997, 1.16250002, 0.91260004],
    },
    'adagrad_clipnorm': {
        'w_accumulator': [0.170130581, 0.380522311, 1.22138929, 0.629358709],
        'b_accumulator': [1.64491332, 0.312215298, 0.343371183],
    },
}

# keras.optimizers.<X>().get_config() (default arguments), Keras 3.15.1; the name is the first
# auto name Keras gives ("adam_w" is its snake_case of "AdamW").
_BASE_DEFAULTS = {
    "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
    "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
    "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None}
_BASE_KEYS = ["name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
              "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
              "gradient_accumulation_steps"]
KERAS_DEFAULT_CONFIGS = {
    AdamW: {"name": "adam_w", **_BASE_DEFAULTS, "weight_decay": 0.004, "beta_1": 0.9,
            "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
    Adamax: {"name": "adamax", **_BASE_DEFAULTS, "beta_1": 0.9, "beta_2": 0.999,
             "epsilon": 1e-07},
    Nadam: {"name": "nadam", **_BASE_DEFAULTS, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07},
    Adagrad: {"name": "adagrad", **_BASE_DEFAULTS, "initial_accumulator_value": 0.1,
              "epsilon": 1e-07},
}
KERAS_CONFIG_KEYS = {
    AdamW: _BASE_KEYS + ["beta_1", "beta_2", "epsilon", "amsgrad"],
    Adamax: _BASE_KEYS + ["beta_1", "beta_2", "epsilon"],
    Nadam: _BASE_KEYS + ["beta_1", "beta_2", "epsilon"],
    Adagrad: _BASE_KEYS + ["initial_accumulator_value", "epsilon"],
}
# Non-default arguments and the get_config() Keras 3.15.1 returns for them.
KERAS_CONFIGS = [
    (lambda: AdamW(learning_rate=0.02, weight_decay=0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-5,
                   amsgrad=True, clipnorm=1.0, name="aw"),
     {"name": "aw", "learning_rate": 0.019999999552965164, "weight_decay": 0.1, "clipnorm": 1.0,
      "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
      "ema_overwrite_frequency": None, "loss_scale_factor": None,
      "gradient_accumulation_steps": None, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-05,
      "amsgrad": True}),
    (lambda: Adamax(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5, global_clipnorm=2.0,
                    use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=3, name="am"),
     {"name": "am", "learning_rate": 0.019999999552965164, "weight_decay": None, "clipnorm": None,
      "global_clipnorm": 2.0, "clipvalue": None, "use_ema": True, "ema_momentum": 0.9,
      "ema_overwrite_frequency": 3, "loss_scale_factor": None,
      "gradient_accumulation_steps": None, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-05}),
    (lambda: Nadam(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5, weight_decay=0.01,
                   clipvalue=0.5, loss_scale_factor=4.0, name="na"),
     {"name": "na", "learning_rate": 0.019999999552965164, "weight_decay": 0.01, "clipnorm": None,
      "global_clipnorm": None, "clipvalue": 0.5, "use_ema": False, "ema_momentum": 0.99,
      "ema_overwrite_frequency": None, "loss_scale_factor": 4.0,
      "gradient_accumulation_steps": None, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-05}),
    (lambda: Adagrad(learning_rate=0.02, initial_accumulator_value=0.3, epsilon=1e-5, name="ag"),
     {"name": "ag", "learning_rate": 0.019999999552965164, "weight_decay": None, "clipnorm": None,
      "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
      "ema_overwrite_frequency": None, "loss_scale_factor": None,
      "gradient_accumulation_steps": None, "initial_accumulator_value": 0.3, "epsilon": 1e-05}),
]

U_PRODUCT_NAME = re.compile(r"variable(_\d+)?")  # Keras's auto name for Nadam's scalar


def _variables():
    return Variable(W0.copy(), name="w"), Variable(B0.copy(), name="b")


def _run(case, steps=3):
    """Run CASES[case] for `steps` steps; returns (optimizer, w, b, list of flattened states)."""
    opt = CASES[case]()
    w, b = _variables()
    states = []
    for s in range(steps):
        opt.apply([GW[s], GB[s]], [w, b])
        states.append(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]))
    return opt, w, b, states


def _slot_values(opt):
    """{name: flat values} of the optimizer's variables after iteration and learning_rate, with
    Nadam's auto-named scalar keyed "u_product"."""
    values = {}
    for variable in opt.variables[2:]:
        name = "u_product" if U_PRODUCT_NAME.fullmatch(variable.name) else variable.name
        values[name] = variable.numpy().ravel()
    return values


# -- float64 references, written from the documented formulas ----------------------------------
def _reference_adamw(w, grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=0.004):
    w, m, v = w.astype("float64"), 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        w = w * (1 - lr * weight_decay)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        w = w - alpha * m / (np.sqrt(v) + epsilon)
    return w


def _reference_adamax(w, grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    w, m, u = w.astype("float64"), 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - lr * m / ((1 - beta_1 ** t) * (u + epsilon))
    return w


def _reference_nadam(w, grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Returns (w, u_product)."""
    w, m, v, u_product = w.astype("float64"), 0.0, 0.0, 1.0
    for t, g in enumerate(grads, start=1):
        mu_t = beta_1 * (1 - 0.5 * 0.96 ** t)
        mu_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product *= mu_t
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = mu_next * m / (1 - u_product * mu_next) + (1 - mu_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return w, u_product


def _reference_adagrad(w, grads, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    w, a = w.astype("float64"), initial_accumulator_value
    for g in grads:
        a = a + g * g
        w = w - lr * g / np.sqrt(a + epsilon)
    return w


# -- numbers pinned against Keras -------------------------------------------------------------
def test_every_case_is_pinned():
    assert sorted(CASES) == sorted(KERAS_TRAJECTORIES) == sorted(KERAS_SLOTS)


@pytest.mark.parametrize("case", sorted(KERAS_TRAJECTORIES))
def test_trajectory_matches_keras(case):
    opt, w, b, states = _run(case)
    np.testing.assert_allclose(np.array(states), np.array(KERAS_TRAJECTORIES[case]),
                               rtol=1e-6, atol=1e-7)
    assert int(opt.iterations.numpy()) == 3
    for variable in [w, b] + opt.variables[1:]:
        assert variable.dtype == np.float32, variable.path


@pytest.mark.parametrize("case", sorted(KERAS_SLOTS))
def test_slot_values_match_keras(case):
    opt, _, _, _ = _run(case)
    slots = _slot_values(opt)
    assert list(slots) == list(KERAS_SLOTS[case])  # same names, same order
    for name, expected in KERAS_SLOTS[case].items():
        np.testing.assert_allclose(slots[name], expected, rtol=1e-6, atol=1e-7, err_msg=name)


def test_cases_exercise_their_options():
    # A pinned case must actually differ from its plain sibling (else it could pass vacuously).
    final = {case: np.array(rows[-1]) for case, rows in KERAS_TRAJECTORIES.items()}
    for base, variants in [("adamw", ["adamw_betas_eps_wd", "adamw_amsgrad", "adamw_clipnorm"]),
                           ("adamax", ["adamax_betas_eps", "adamax_weight_decay",
                                       "adamax_clipnorm"]),
                           ("nadam", ["nadam_betas_eps", "nadam_weight_decay", "nadam_clipnorm"]),
                           ("adagrad", ["adagrad_init_eps", "adagrad_zero_init",
                                        "adagrad_weight_decay", "adagrad_clipnorm"])]:
        for variant in variants:
            assert np.abs(final[variant] - final[base]).max() > 1e-4, variant
    slots = KERAS_SLOTS["adamw_amsgrad"]
    assert np.abs(np.array(slots["w_velocity_hat"]) - slots["w_velocity"]).max() > 1e-3
    # beta_2=0.5 exercises both sides of u = max(beta_2 u, |g|): step 2 takes |g| everywhere,
    # step 3 the decayed norm everywhere.
    assert (0.5 * np.abs(GW[0]) < np.abs(GW[1])).all()
    assert (0.5 * np.abs(GW[1]) > np.abs(GW[2])).all()
    np.testing.assert_allclose(KERAS_SLOTS["adamax_betas_eps"]["w_norm"],
                               0.5 * np.abs(GW[1]).ravel(), rtol=1e-6)
    # use_ema does not change Nadam's step, only adds the averages.
    np.testing.assert_array_equal(KERAS_TRAJECTORIES["nadam_ema"], KERAS_TRAJECTORIES["nadam"])


def test_nadam_u_product_is_the_product_of_the_momentum_schedule():
    opt, _, _, _ = _run("nadam")
    mus = [0.9 * (1 - 0.5 * 0.96 ** t) for t in (1, 2, 3)]
    np.testing.assert_allclose(_slot_values(opt)["u_product"], [np.prod(mus)], rtol=1e-6)
    np.testing.assert_allclose(KERAS_SLOTS["nadam"]["u_product"], [np.prod(mus)], rtol=1e-6)


def test_update_formulas_by_hand():
    # One step of each rule, computed independently in float64 (Nadam: two steps, so that the
    # momentum schedule and u_product matter).
    g, w0 = GW[0].astype("float64"), W0.astype("float64")

    var = Variable(W0.copy())
    AdamW(learning_rate=0.01).apply([GW[0]], [var])
    m, v = 0.1 * g, 0.001 * g * g
    expected = w0 * (1 - 0.01 * 0.004) - 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9) * m / (
        np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(var.numpy(), expected, rtol=2e-6)

    var = Variable(W0.copy())
    Adamax(learning_rate=0.1, beta_1=0.8, beta_2=0.5, epsilon=0.1).apply([GW[0]], [var])
    expected = w0 - 0.1 * (0.2 * g) / ((1 - 0.8) * (np.abs(g) + 0.1))
    np.testing.assert_allclose(var.numpy(), expected, rtol=1e-6)

    var = Variable(W0.copy())
    Adagrad(learning_rate=0.1).apply([GW[0]], [var])
    np.testing.assert_allclose(var.numpy(), w0 - 0.1 * g / np.sqrt(0.1 + g * g + 1e-7), rtol=1e-6)

    var = Variable(W0.copy())
    opt = Nadam(learning_rate=0.01)
    opt.apply([GW[0]], [var])
    mu_1, mu_2, mu_3 = (0.9 * (1 - 0.5 * 0.96 ** t) for t in (1, 2, 3))
    m, v = 0.1 * g, 0.001 * g * g
    m_hat = mu_2 * m / (1 - mu_1 * mu_2) + (1 - mu_1) * g / (1 - mu_1)
    expected = w0 - 0.01 * m_hat / (np.sqrt(v / (1 - 0.999)) + 1e-7)
    np.testing.assert_allclose(var.numpy(), expected, rtol=2e-6)
    g2 = GW[1].astype("float64")
    opt.apply([GW[1]], [var])
    m, v = 0.9 * m + 0.1 * g2, 0.999 * v + 0.001 * g2 * g2
    m_hat = mu_3 * m / (1 - mu_1 * mu_2 * mu_3) + (1 - mu_2) * g2 / (1 - mu_1 * mu_2)
    expected = expected - 0.01 * m_hat / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-7)
    np.testing.assert_allclose(var.numpy(), expected, rtol=2e-6)
    assert float(opt.variables[-1].numpy()) == pytest.approx(mu_1 * mu_2, rel=1e-6)


@pytest.mark.parametrize("make, reference", [
    (lambda: AdamW(learning_rate=0.01, beta_1=0.8, beta_2=0.9, weight_decay=0.1),
     lambda w, gs: _reference_adamw(w, gs, 0.01, 0.8, 0.9, 1e-7, 0.1)),
    (lambda: Adamax(learning_rate=0.01, beta_2=0.5),
     lambda w, gs: _reference_adamax(w, gs, 0.01, 0.9, 0.5)),
    (lambda: Nadam(learning_rate=0.01), lambda w, gs: _reference_nadam(w, gs, 0.01)[0]),
    (lambda: Adagrad(learning_rate=0.1, initial_accumulator_value=0.2),
     lambda w, gs: _reference_adagrad(w, gs, 0.1, 0.2)),
])
def test_large_variables_are_updated_block_by_block_like_the_formula(make, reference):
    # Larger than two blocks with a ragged last one: every block boundary must be seamless.
    rng = np.random.default_rng(0)
    shape = (2 * BLOCK_SIZE + 123,)
    w0 = rng.uniform(0.5, 1.5, shape).astype("float32")
    grads = [rng.normal(size=shape).astype("float32") for _ in range(3)]
    small = Variable(np.array([0.25, -0.75], "float32"))  # a second, one-block variable
    small_grads = [np.array([0.5, -0.1], "float32") * (s + 1) for s in range(3)]
    var = Variable(w0.copy())
    opt = make()
    for g, gs in zip(grads, small_grads):
        opt.apply([g, gs], [var, small])
    np.testing.assert_allclose(var.numpy(), reference(w0, [g.astype("float64") for g in grads]),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(small.numpy(), reference(np.array([0.25, -0.75]),
                                                        [g.astype("float64") for g in small_grads]),
                               rtol=1e-5, atol=1e-6)


# -- variables, names, order ------------------------------------------------------------------
def _dense_variables(dtype="float32"):
    kernel = Variable(np.zeros((2, 3), dtype), dtype=dtype, name="kernel")
    kernel.path = "d1/kernel"
    bias = Variable(np.zeros(3, dtype), dtype=dtype, name="bias")
    bias.path = "d1/bias"
    return [kernel, bias]


@pytest.mark.parametrize("make, expected", [
    # Printed by Keras 3.15.1 for optimizer.build(dense.trainable_variables), Dense named "d1".
    (lambda: AdamW(name="x"),
     ["iteration", "learning_rate", "d1_kernel_momentum", "d1_kernel_velocity",
      "d1_bias_momentum", "d1_bias_velocity"]),
    (lambda: AdamW(amsgrad=True, use_ema=True, name="x"),
     ["iteration", "learning_rate", "d1_kernel_average", "d1_bias_average", "d1_kernel_momentum",
      "d1_kernel_velocity", "d1_bias_momentum", "d1_bias_velocity", "d1_kernel_velocity_hat",
      "d1_bias_velocity_hat"]),
    (lambda: Adamax(name="x"),
     ["iteration", "learning_rate", "d1_kernel_momentum", "d1_kernel_norm", "d1_bias_momentum",
      "d1_bias_norm"]),
    (lambda: Adamax(use_ema=True, name="x"),
     ["iteration", "learning_rate", "d1_kernel_average", "d1_bias_average", "d1_kernel_momentum",
      "d1_kernel_norm", "d1_bias_momentum", "d1_bias_norm"]),
    (lambda: Nadam(name="x"),
     ["iteration", "learning_rate", "d1_kernel_momentum", "d1_kernel_velocity",
      "d1_bias_momentum", "d1_bias_velocity", "variable"]),
    (lambda: Nadam(use_ema=True, name="x"),
     ["iteration", "learning_rate", "d1_kernel_average", "d1_bias_average", "d1_kernel_momentum",
      "d1_kernel_velocity", "d1_bias_momentum", "d1_bias_velocity", "variable"]),
    (lambda: Adagrad(name="x"),
     ["iteration", "learning_rate", "d1_kernel_accumulator", "d1_bias_accumulator"]),
    (lambda: Adagrad(use_ema=True, name="x"),
     ["iteration", "learning_rate", "d1_kernel_average", "d1_bias_average",
      "d1_kernel_accumulator", "d1_bias_accumulator"]),
])
def test_variable_names_and_order_like_keras(make, expected):
    opt = make()
    opt.build(_dense_variables())
    names = [v.name for v in opt.variables]
    if isinstance(opt, Nadam):
        # Keras's u_product is an unnamed Variable: "variable", "variable_1", ... per session,
        # and its path carries no optimizer prefix.
        assert U_PRODUCT_NAME.fullmatch(names[-1]), names[-1]
        assert opt.variables[-1].path == names[-1]
        assert opt.variables[-1].shape == () and float(opt.variables[-1].numpy()) == 1.0
        names[-1] = "variable"
    assert names == expected
    for variable in opt.variables:
        assert not variable.trainable
        if not U_PRODUCT_NAME.fullmatch(variable.name):
            assert variable.path == "x/" + variable.name
    for slot in opt.variables[2:]:
        if slot.shape:
            assert slot.shape == ((2, 3) if "kernel" in slot.name else (3,))
        assert slot.dtype == np.float32


def test_schedule_rate_has_no_learning_rate_variable():
    from minikeras.optimizers import schedules
    opt = Adagrad(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5), name="x")
    opt.build(_dense_variables())
    # Keras 3.15.1: ['iteration', 'd1_kernel_accumulator', 'd1_bias_accumulator']
    assert [v.name for v in opt.variables] == ["iteration", "d1_kernel_accumulator",
                                               "d1_bias_accumulator"]


def test_adagrad_accumulators_start_at_initial_accumulator_value():
    opt = Adagrad(name="x")
    opt.build(_dense_variables())
    for slot in opt.variables[2:]:
        np.testing.assert_array_equal(slot.numpy(), np.full(slot.shape, 0.1, "float32"))
    opt = Adagrad(initial_accumulator_value=0, name="x")
    opt.build(_dense_variables())
    assert not any(slot.numpy().any() for slot in opt.variables[2:])


def test_nadam_u_product_takes_the_first_variables_dtype():
    opt = Nadam()
    opt.build(_dense_variables("float64"))  # Keras: float64 slots and u_product
    assert [str(v.dtype) for v in opt.variables] == ["int32", "float32", "float64", "float64",
                                                     "float64", "float64", "float64"]
    opt = Nadam()
    opt.build([])  # Keras: ['int32', 'float32', 'float32'] (floatx)
    assert [str(v.dtype) for v in opt.variables] == ["int32", "float32", "float32"]


def test_nadam_u_product_advances_once_per_step():
    # The first variable getting no gradient must not skip the step's schedule update...
    both, only_b = Nadam(learning_rate=0.01), Nadam(learning_rate=0.01)
    w, b = _variables()
    b_alone = Variable(B0.copy())
    for s in range(3):
        with pytest.warns(UserWarning, match="Gradients do not exist"):
            both.apply([None, GB[s]], [w, b])
        only_b.apply([GB[s]], [b_alone])
    np.testing.assert_array_equal(w.numpy(), W0)
    np.testing.assert_allclose(b.numpy(), b_alone.numpy(), rtol=1e-7)
    assert float(both.variables[-1].numpy()) == float(only_b.variables[-1].numpy())
    # ... and a step that fails before updating anything must not advance it.
    opt = Nadam(learning_rate=0.01, name="o")
    w, b = _variables()
    opt.apply([GW[0], GB[0]], [w, b])
    u_product = float(opt.variables[-1].numpy())
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None, None], [w, b])
    assert float(opt.variables[-1].numpy()) == u_product
    for s in (1, 2):
        opt.apply([GW[s], GB[s]], [w, b])
    np.testing.assert_allclose(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]),
                               KERAS_TRAJECTORIES["nadam"][2], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", ["adamw_amsgrad", "adamax", "nadam", "adagrad_init_eps"])
def test_saved_state_resumes_the_trajectory(case):
    source, _, _, _ = _run(case, steps=2)
    store = {}
    source.save_own_variables(store)
    assert len(store) == len(source.variables)
    target = CASES[case]()
    w = Variable(np.asarray(KERAS_TRAJECTORIES[case][1][:4], "float32").reshape(2, 2), name="w")
    b = Variable(np.asarray(KERAS_TRAJECTORIES[case][1][4:], "float32"), name="b")
    target.build([w, b])
    target.load_own_variables(store)
    target.apply([GW[2], GB[2]], [w, b])
    np.testing.assert_allclose(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]),
                               KERAS_TRAJECTORIES[case][2], rtol=1e-6, atol=1e-7)


def test_adamw_is_adam_with_decoupled_decay():
    assert issubclass(AdamW, Adam)  # as in Keras
    # Excluded from the decay, a variable follows plain Adam exactly.
    adamw, adam = AdamW(learning_rate=0.01, weight_decay=0.5), Adam(learning_rate=0.01)
    adamw.exclude_from_weight_decay(var_names=["b"])
    w, b = _variables()
    w_adam, b_adam = _variables()
    for s in range(3):
        adamw.apply([GW[s], GB[s]], [w, b])
        adam.apply([GW[s], GB[s]], [w_adam, b_adam])
    np.testing.assert_array_equal(b.numpy(), b_adam.numpy())
    assert np.abs(w.numpy() - w_adam.numpy()).max() > 1e-3


# -- dtypes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [AdamW, Adamax, Nadam, Adagrad])
def test_update_is_in_place_and_keeps_float32(make):
    opt = make(learning_rate=0.01)
    w, b = _variables()
    w_data, b_data = w.data, b.data
    grads = [GW[0].astype("float64"), GB[0].astype("float64")]  # cast to the variable's dtype
    opt.apply(grads, [w, b])
    np.testing.assert_array_equal(grads[0], GW[0])  # the caller's gradients are untouched
    assert w.data is w_data and b.data is b_data
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.variables[1:])


@pytest.mark.parametrize("case", ["adamw", "adamax", "nadam", "adagrad"])
def test_float64_variables_get_float64_state(case):
    opt = CASES[case]()
    w = Variable(W0.astype("float64"), dtype="float64")
    opt.apply([GW[0].astype("float64")], [w])
    assert w.dtype == np.float64 and all(v.dtype == np.float64 for v in opt.variables[2:])
    np.testing.assert_allclose(w.numpy().ravel(), KERAS_TRAJECTORIES[case][0][:4], rtol=1e-5)


# -- config -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [AdamW, Adamax, Nadam, Adagrad])
def test_default_config_is_keras_config(cls):
    expected = KERAS_DEFAULT_CONFIGS[cls]
    config = cls(name=expected["name"]).get_config()
    assert config == expected
    assert list(config) == KERAS_CONFIG_KEYS[cls]
    default_name = cls().get_config()["name"]  # auto names are made unique per session
    assert re.fullmatch(re.escape(expected["name"]) + r"(_\d+)?", default_name), default_name


@pytest.mark.parametrize("index", range(len(KERAS_CONFIGS)))
def test_config_is_keras_config_and_round_trips(index):
    make, expected = KERAS_CONFIGS[index]
    opt = make()
    config = opt.get_config()
    assert config == expected
    assert list(config) == KERAS_CONFIG_KEYS[type(opt)]
    clone = type(opt).from_config(config)
    assert type(clone) is type(opt) and clone.get_config() == config
    # The clone steps exactly like the original.
    w1, b1 = _variables()
    w2, b2 = _variables()
    for s in range(3):
        opt.apply([GW[s], GB[s]], [w1, b1])
        clone.apply([GW[s], GB[s]], [w2, b2])
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())
    np.testing.assert_array_equal(b1.numpy(), b2.numpy())


def test_keras_written_config_loads():
    opt = Nadam.from_config(KERAS_DEFAULT_CONFIGS[Nadam])
    assert opt.name == "nadam" and opt.get_config() == KERAS_DEFAULT_CONFIGS[Nadam]
    opt = AdamW.from_config(KERAS_DEFAULT_CONFIGS[AdamW])
    assert opt.weight_decay == 0.004 and opt.get_config() == KERAS_DEFAULT_CONFIGS[AdamW]


# -- gradient accumulation --------------------------------------------------------------------
# Six calls with gradient_accumulation_steps: GW/GB above, then three more gradients. Rows were
# printed by keras 3.15.1 (torch backend) after each call, as above. The moments' step t counts
# weight updates, not calls; Nadam's u_product advances only on the updating calls.
GW_MORE = GW + [np.array([[0.5, 0.1], [-0.3, 0.2]], "float32"),
                np.array([[0.7, -0.1], [0.2, -0.4]], "float32"),
                np.array([[-0.3, 0.3], [0.6, 0.1]], "float32")]
GB_MORE = GB + [np.array([-0.4, 0.8, 0.3], "float32"),
                np.array([0.1, 0.2, -0.9], "float32"),
                np.array([0.6, -0.5, 0.4], "float32")]
ACCUMULATION_CASES = {
    "adamw_acc2": lambda: AdamW(0.01, weight_decay=0.1, gradient_accumulation_steps=2, name="o"),
    "adamax_acc2": lambda: Adamax(0.01, gradient_accumulation_steps=2, name="o"),
    "nadam_acc2": lambda: Nadam(0.01, gradient_accumulation_steps=2, name="o"),
    "nadam_acc3_ema": lambda: Nadam(0.01, use_ema=True, ema_momentum=0.5,
                                    gradient_accumulation_steps=3, name="o"),
    "adagrad_acc2": lambda: Adagrad(0.1, gradient_accumulation_steps=2, name="o"),
}
KERAS_ACCUMULATION_TRAJECTORIES = {
    'adamw_acc2': [
        [0.5, -1.0, 1.5, 2.0, 0.100000001, -0.200000003, 0.300000012],
        [0.489500701, -0.98900038, 1.48850012, 1.98800015, 0.0899000838, -0.189800143, 0.309699714],
        [0.489500701, -0.98900038, 1.48850012, 1.98800015, 0.0899000838, -0.189800143, 0.309699714],
        [0.480420262, -0.984555483, 1.48136747, 1.97832179, 0.0839524567, -0.190458775, 0.308126479],
        [0.480420262, -0.984555483, 1.48136747, 1.97832179, 0.0839524567, -0.190458775, 0.308126479],
        [0.47078073, -0.985962689, 1.47347474, 1.97185516, 0.0781805739, -0.189214051, 0.31229794],
    ],
    'adamax_acc2': [
        [0.5, -1.0, 1.5, 2.0, 0.100000001, -0.200000003, 0.300000012],
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.190000013, 0.310000002],
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.190000013, 0.310000002],
        [0.48380807, -0.987365782, 1.48596966, 1.98450208, 0.0858304203, -0.190822378, 0.308820337],
        [0.48380807, -0.987365782, 1.48596966, 1.98450208, 0.0858304203, -0.190822378, 0.308820337],
        [0.477000028, -0.98939532, 1.48194504, 1.98182166, 0.0824573115, -0.189956665, 0.312078625],
    ],
    'nadam_acc2': [
        [0.5, -1.0, 1.5, 2.0, 0.100000001, -0.200000003, 0.300000012],
        [0.489372224, -0.989372194, 1.48937213, 1.98937213, 0.0893721953, -0.189372197, 0.310627818],
        [0.489372224, -0.989372194, 1.48937213, 1.98937213, 0.0893721953, -0.189372197, 0.310627818],
        [0.479207635, -0.992498696, 1.49002504, 1.98720574, 0.0897585899, -0.196334273, 0.303358704],
        [0.479207635, -0.992498696, 1.49002504, 1.98720574, 0.0897585899, -0.196334273, 0.303358704],
        [0.471903533, -0.999481082, 1.48547924, 1.98855782, 0.0870105177, -0.193606988, 0.311756194],
    ],
    'nadam_acc3_ema': [
        [0.5, -1.0, 1.5, 2.0, 0.100000001, -0.200000003, 0.300000012],
        [0.5, -1.0, 1.5, 2.0, 0.100000001, -0.200000003, 0.300000012],
        [0.489372224, -0.989372194, 1.48937213, 1.98937213, 0.0893721953, -0.189372197, 0.310627818],
        [0.489372224, -0.989372194, 1.48937213, 1.98937213, 0.0893721953, -0.189372197, 0.310627818],
        [0.489372224, -0.989372194, 1.48937213, 1.98937213, 0.0893721953, -0.189372197, 0.310627818],
        [0.47914356, -0.997186065, 1.48622739, 1.9893806, 0.0877856612, -0.194441408, 0.317430437],
    ],
    'adagrad_acc2': [
        [0.5, -1.0, 1.5, 2.0, 0.100000001, -0.200000003, 0.300000012],
        [0.484382629, -0.969848871, 1.40465379, 1.90886772, 0.00159373134, -0.123552941, 0.33676073],
        [0.484382629, -0.969848871, 1.40465379, 1.90886772, 0.00159373134, -0.123552941, 0.33676073],
        [0.422080874, -0.98182255, 1.41742015, 1.89589429, 0.0122173782, -0.18674913, 0.297535717],
        [0.422080874, -0.98182255, 1.41742015, 1.89589429, 0.0122173782, -0.18674913, 0.297535717],
        [0.378177822, -1.01049948, 1.38204026, 1.91490448, -0.00698818825, -0.163689256, 0.353556573],
    ],
}
# Keras 3.15.1: the variable names after the six calls, and Nadam's u_product.
KERAS_ACCUMULATION_NAMES = {
    "adamw_acc2": ["iteration", "learning_rate", "w_gradient_accumulator",
                   "b_gradient_accumulator", "w_momentum", "w_velocity", "b_momentum",
                   "b_velocity"],
    "adamax_acc2": ["iteration", "learning_rate", "w_gradient_accumulator",
                    "b_gradient_accumulator", "w_momentum", "w_norm", "b_momentum", "b_norm"],
    "nadam_acc2": ["iteration", "learning_rate", "w_gradient_accumulator",
                   "b_gradient_accumulator", "w_momentum", "w_velocity", "b_momentum",
                   "b_velocity", "variable"],
    "nadam_acc3_ema": ["iteration", "learning_rate", "w_average", "b_average",
                       "w_gradient_accumulator", "b_gradient_accumulator", "w_momentum",
                       "w_velocity", "b_momentum", "b_velocity", "variable"],
    "adagrad_acc2": ["iteration", "learning_rate", "w_gradient_accumulator",
                     "b_gradient_accumulator", "w_accumulator", "b_accumulator"],
}
KERAS_ACCUMULATION_U_PRODUCT = {"nadam_acc2": 0.113979936, "nadam_acc3_ema": 0.227111027}


@pytest.mark.parametrize("case", sorted(ACCUMULATION_CASES))
def test_gradient_accumulation_matches_keras(case):
    opt = ACCUMULATION_CASES[case]()
    w, b = _variables()
    rows = []
    for s in range(6):
        opt.apply([GW_MORE[s], GB_MORE[s]], [w, b])
        rows.append(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]))
    np.testing.assert_allclose(np.array(rows), np.array(KERAS_ACCUMULATION_TRAJECTORIES[case]),
                               rtol=1e-6, atol=1e-7)
    names = [v.name for v in opt.variables]
    if isinstance(opt, Nadam):
        assert U_PRODUCT_NAME.fullmatch(names[-1])
        names[-1] = "variable"
        np.testing.assert_allclose(float(opt.variables[-1].numpy()),
                                   KERAS_ACCUMULATION_U_PRODUCT[case], rtol=1e-6)
    assert names == KERAS_ACCUMULATION_NAMES[case]


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: AdamW(weight_decay=None), r"AdamW.*`weight_decay`"),  # Keras: must be a float
    (lambda: AdamW(weight_decay=-0.1), r"AdamW.*`weight_decay`"),
    (lambda: AdamW(beta_1=1.5), r"AdamW.*`beta_1`"),
    (lambda: AdamW(beta_2="0.999"), r"AdamW.*`beta_2`"),
    (lambda: AdamW(epsilon=-1e-7), r"AdamW.*`epsilon`"),
    (lambda: AdamW(learning_rate="fast"), r"AdamW.*`learning_rate`"),
    (lambda: Adamax(beta_1=-0.1), r"Adamax.*`beta_1`"),
    (lambda: Adamax(beta_2=2.0), r"Adamax.*`beta_2`"),
    (lambda: Adamax(epsilon=None), r"Adamax.*`epsilon`"),
    (lambda: Adamax(clipnorm=-1.0), r"Adamax.*`clipnorm`"),
    (lambda: Nadam(beta_1=1.1), r"Nadam.*`beta_1`"),
    (lambda: Nadam(beta_2=[0.9]), r"Nadam.*`beta_2`"),
    (lambda: Nadam(epsilon=-1.0), r"Nadam.*`epsilon`"),
    (lambda: Nadam(weight_decay="a lot"), r"Nadam.*`weight_decay`"),
    (lambda: Adagrad(initial_accumulator_value=-0.1), r"Adagrad.*`initial_accumulator_value`"),
    (lambda: Adagrad(initial_accumulator_value="0.1"), r"Adagrad.*`initial_accumulator_value`"),
    (lambda: Adagrad(epsilon=-1e-7), r"Adagrad.*`epsilon`"),
    (lambda: Adagrad(foo=1.0), r"Adagrad.*not recognized"),
    (lambda: Nadam(gradient_accumulation_steps=1), r"Nadam.*`gradient_accumulation_steps`"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
