"""Adadelta, Ftrl, Lion and Adafactor against Keras 3.15.1.

The numbers below were produced by keras 3.15.1 (torch backend; Adadelta and Lion run there as
Keras's fused torch "parallel" optimizers) with a throwaway script of this shape, and pasted here
as constants (values printed with 9 significant digits):

    w = keras.Variable(W0, name="w"); b = keras.Variable(B0, name="b")
    opt = <the case's optimizer>(..., name="o")
    for s in range(3):
        opt.apply([convert_to_tensor(GW[s]), convert_to_tensor(GB[s])], [w, b]); record w, b
    state = [(v.name, v.numpy()) for v in opt.variables]

Each trajectory row holds w (2x2, flattened) then b (3,) after that step. w has rank 2, so
Adafactor factors its second moment; b has rank 1, so it does not. KERAS_STATE lists every
optimizer variable after the 3 steps, in Keras's order (Adafactor has duplicate names there).

Tolerances: trajectories use rtol=1e-6 with atol=1e-7 (about one float32 ulp at magnitude 1).
Almost every value agrees with Keras to the printed 9 digits; the exceptions are single-ulp
float32 roundings that differ because torch and NumPy sum, take powers (Ftrl's n**0.7) or clip
(the base's clipnorm) in a different order, and that an Ftrl subtraction of O(1) terms turns into
a larger *relative* error on a small result (e.g. b after "ftrl_clipnorm", 0.00256: 5e-6
relative, 1.4e-8 absolute). Slots are compared with rtol=1e-6 and an absolute tolerance of 1e-6
times the slot's largest magnitude, for the same reason (Ftrl's linear slot is such a
difference).
"""
import math

import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers import schedules
from minikeras.optimizers.adadelta import Adadelta
from minikeras.optimizers.adafactor import Adafactor
from minikeras.optimizers.base_optimizer import BLOCK_SIZE
from minikeras.optimizers.ftrl import Ftrl
from minikeras.optimizers.lion import Lion

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32"),
      np.array([[0.01, -0.02], [0.03, 0.001]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"),
      np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32")]

CASES = {
    "adadelta": lambda: Adadelta(learning_rate=1.0, name="o"),
    "adadelta_default": lambda: Adadelta(name="o"),
    "adadelta_rho_eps": lambda: Adadelta(learning_rate=0.5, rho=0.8, epsilon=1e-3, name="o"),
    "adadelta_weight_decay": lambda: Adadelta(learning_rate=1.0, weight_decay=0.1, name="o"),
    "adadelta_clipnorm": lambda: Adadelta(learning_rate=1.0, clipnorm=0.5, name="o"),
    "ftrl": lambda: Ftrl(learning_rate=0.1, name="o"),
    "ftrl_default": lambda: Ftrl(name="o"),
    "ftrl_l1_l2": lambda: Ftrl(learning_rate=0.1, l1_regularization_strength=0.05,
                               l2_regularization_strength=0.1, name="o"),
    "ftrl_l1_zeroes": lambda: Ftrl(learning_rate=0.5, l1_regularization_strength=0.5, name="o"),
    "ftrl_shrinkage_beta": lambda: Ftrl(learning_rate=0.1, learning_rate_power=-0.7,
                                        initial_accumulator_value=0.5,
                                        l2_shrinkage_regularization_strength=0.2, beta=0.5,
                                        name="o"),
    "ftrl_power_zero": lambda: Ftrl(learning_rate=0.2, learning_rate_power=0.0,
                                    initial_accumulator_value=0.0, l2_regularization_strength=0.3,
                                    name="o"),
    "ftrl_weight_decay": lambda: Ftrl(learning_rate=0.1, weight_decay=0.5, name="o"),
    "ftrl_clipnorm": lambda: Ftrl(learning_rate=0.1, clipnorm=0.5, name="o"),
    "lion": lambda: Lion(learning_rate=0.01, name="o"),
    "lion_default": lambda: Lion(name="o"),
    "lion_betas": lambda: Lion(learning_rate=0.01, beta_1=0.99, beta_2=0.5, name="o"),
    "lion_weight_decay": lambda: Lion(learning_rate=0.01, weight_decay=0.5, name="o"),
    "lion_ema": lambda: Lion(learning_rate=0.01, use_ema=True, ema_momentum=0.5, name="o"),
    "adafactor": lambda: Adafactor(name="o"),
    "adafactor_big_lr": lambda: Adafactor(learning_rate=0.9, name="o"),
    "adafactor_no_relative_step": lambda: Adafactor(learning_rate=0.9, relative_step=False, name="o"),
    "adafactor_options": lambda: Adafactor(learning_rate=0.1, beta_2_decay=-0.5, epsilon_1=1e-3,
                                           epsilon_2=0.5, clip_threshold=0.5, name="o"),
    "adafactor_weight_decay": lambda: Adafactor(learning_rate=0.1, weight_decay=0.5, name="o"),
    "adafactor_clipnorm": lambda: Adafactor(learning_rate=0.1, clipnorm=0.5, name="o"),
    "adafactor_schedule": lambda: Adafactor(
        learning_rate=schedules.ExponentialDecay(2.0, decay_steps=1, decay_rate=0.5), name="o"),
}

KERAS_TRAJECTORIES = {
    'adadelta': [
        [0.49858579, -0.99858582, 1.49858582, 1.99858582, 0.0985857919, -0.198585793, 0.298585802],
        [0.499714881, -0.999714911, 1.49745667, 1.99759543, 0.0973661169, -0.199082702, 0.300262839],
        [0.499649018, -0.999649048, 1.49740732, 1.99759316, 0.0973467529, -0.199082702, 0.300292552],
    ],
    'adadelta_default': [
        [0.499998599, -0.999998569, 1.49999857, 1.99999857, 0.0999985859, -0.199998587, 0.299998611],
        [0.499999732, -0.999999702, 1.4999975, 1.99999762, 0.099997364, -0.199999079, 0.30000028],
        [0.499999672, -0.999999642, 1.4999975, 1.99999762, 0.0999973416, -0.199999079, 0.30000031],
    ],
    'adadelta_rho_eps': [
        [0.465587646, -0.964887679, 1.46470582, 1.96475327, 0.0646667331, -0.164732724, 0.264993012],
        [0.494435668, -0.994501114, 1.43489254, 1.93848515, 0.0325650163, -0.178136721, 0.307587415],
        [0.492647052, -0.992650986, 1.43349242, 1.93842149, 0.0320168585, -0.178136721, 0.308398306],
    ],
    'adadelta_weight_decay': [
        [0.448585778, -0.898585796, 1.34858572, 1.79858577, 0.0885857865, -0.178585783, 0.268585801],
        [0.404856294, -0.809856296, 1.21259797, 1.61773682, 0.0785075277, -0.161224112, 0.243404269],
        [0.364304781, -0.728804767, 1.09128881, 1.45596087, 0.0706374124, -0.145101696, 0.219093546],
    ],
    'adadelta_clipnorm': [
        [0.498585969, -0.99858582, 1.49858582, 1.99858582, 0.0985857919, -0.198585823, 0.298585922],
        [0.500051141, -1.00005114, 1.4971205, 1.99725032, 0.0971442536, -0.199240789, 0.300388277],
        [0.499858767, -0.999858737, 1.49697602, 1.99724352, 0.097062543, -0.199240789, 0.300499946],
    ],
    'ftrl': [
        [0.0684371516, -0.445282429, 1.02106583, 1.24266076, -0.0143903419, -0.0443514623, 0.0551278368],
        [0.110140033, -0.496082485, 0.966883004, 1.19623685, -0.0739160255, -0.0675384104, 0.133641437],
        [0.108055338, -0.493543297, 0.964851558, 1.19614398, -0.0747096762, -0.0675384104, 0.134688228],
    ],
    'ftrl_default': [
        [0.136573628, -0.532862961, 1.11679769, 1.33606291, 0.0833948925, -0.13874428, 0.138798103],
        [0.136990666, -0.533370972, 1.11625588, 1.33559871, 0.0827996358, -0.138976142, 0.139583245],
        [0.13696982, -0.53334552, 1.11623549, 1.33559775, 0.082791701, -0.138976142, 0.13959372],
    ],
    'ftrl_l1_l2': [
        [0.0544672385, -0.425366968, 1.00090563, 1.21200883, -0.0118044214, -0.0388434343, 0.0451499484],
        [0.0945006236, -0.47490865, 0.947446942, 1.16643131, -0.0708613843, -0.0616081059, 0.122053422],
        [0.0924993679, -0.472432345, 0.945442617, 1.16634011, -0.071648784, -0.0616081059, 0.123078741],
    ],
    'ftrl_l1_zeroes': [
        [0, 0, 0.432815045, 0.603206992, -0.286015987, 0.0986679345, 0],
        [0, -0.0152467079, 0.161900848, 0.371087849, -0.58364439, 0, 0],
        [0, -0.00255080452, 0.151743665, 0.370623589, -0.587612689, 0, 0],
    ],
    'ftrl_shrinkage_beta': [
        [-0.0102350805, -0.131613851, 0.613325179, 0.594230294, 0.00624652766, -0.0188851133, -0.00105535111],
        [0.00644381437, -0.154557303, 0.570509851, 0.554679394, -0.0286435001, -0.0318730399, 0.0428372696],
        [0.00541602541, -0.149153724, 0.559936225, 0.542730212, -0.0288418625, -0.0311900601, 0.0424199589],
    ],
    'ftrl_power_zero': [
        [-0.0535714328, 0.107142866, -0.214285731, -0.160714284, -0.357142866, 0.178571433, -0.0892857164],
        [-0.0178571455, 0.035714291, -0.357142866, -0.25, -0.625, 0.133928567, 0.0446428582],
        [-0.0196428578, 0.0392857157, -0.362500012, -0.250178576, -0.628571451, 0.133928567, 0.0464285687],
    ],
    'ftrl_weight_decay': [
        [0.0615740605, -0.418595046, 0.965177536, 1.17581046, -0.0186094772, -0.0373665728, 0.0481456742],
        [0.102996461, -0.466493309, 0.903296828, 1.12266731, -0.0779523551, -0.0605025962, 0.125742868],
        [0.100910641, -0.46394664, 0.901256144, 1.12257457, -0.0787458867, -0.0605025962, 0.126789317],
    ],
    'ftrl_clipnorm': [
        [-0.00811944995, -0.0839745924, 0.442426592, 0.422676682, -0.0396514982, 0.0214071684, -0.0162103642],
        [0.0198223069, -0.130431816, 0.380284607, 0.372998506, -0.103092052, 0.00256334641, 0.0389396027],
        [0.0169063415, -0.12558724, 0.375424504, 0.372791052, -0.105959371, 0.00256334641, 0.0414324664],
    ],
    'lion': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.189999998, 0.290000021],
        [0.5, -1, 1.48000002, 1.98000002, 0.0800000057, -0.200000003, 0.300000012],
        [0.49000001, -0.99000001, 1.47000003, 1.97000003, 0.0700000077, -0.189999998, 0.310000002],
    ],
    'lion_default': [
        [0.499000013, -0.999000013, 1.49899995, 1.99899995, 0.0989999995, -0.199000001, 0.299000025],
        [0.5, -1, 1.49799991, 1.99799991, 0.0979999974, -0.200000003, 0.300000012],
        [0.499000013, -0.999000013, 1.49699986, 1.99699986, 0.0969999954, -0.199000001, 0.300999999],
    ],
    'lion_betas': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.189999998, 0.290000021],
        [0.480000019, -0.980000019, 1.48000002, 1.98000002, 0.0800000057, -0.179999992, 0.280000031],
        [0.49000001, -0.99000001, 1.47000003, 1.97000003, 0.0700000077, -0.169999987, 0.290000021],
    ],
    'lion_weight_decay': [
        [0.487500012, -0.985000014, 1.48250008, 1.98000002, 0.0895000026, -0.188999996, 0.288500011],
        [0.4950625, -0.990074992, 1.46508753, 1.96010005, 0.0790525079, -0.198054999, 0.297057509],
        [0.482587188, -0.975124657, 1.44776213, 1.94029963, 0.0686572492, -0.187064722, 0.305572212],
    ],
    'lion_ema': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.189999998, 0.290000021],
        [0.5, -1, 1.48000002, 1.98000002, 0.0800000057, -0.200000003, 0.300000012],
        [0.49000001, -0.99000001, 1.47000003, 1.97000003, 0.0700000077, -0.189999998, 0.310000002],
    ],
    'adafactor': [
        [0.499202251, -0.998175442, 1.49857295, 1.99877608, 0.0997839794, -0.199783981, 0.299783975],
        [0.499847502, -0.999713421, 1.49739408, 1.99789798, 0.0995969102, -0.199863404, 0.300030977],
        [0.499805361, -0.999612927, 1.49733627, 1.99789572, 0.0995936468, -0.199863404, 0.300035298],
    ],
    'adafactor_big_lr': [
        [-0.217985094, 0.642094612, 0.21562922, 0.898449421, -0.0944222137, -0.00557778776, 0.105577797],
        [-0.026871711, 0.186566174, -0.13351956, 0.638382554, -0.144581497, -0.0268730056, 0.171805263],
        [-0.0329116359, 0.200964749, -0.141798392, 0.638053596, -0.145720705, -0.0268730056, 0.173309356],
    ],
    'adafactor_no_relative_step': [
        [-0.217985094, 0.642094612, 0.21562922, 0.898449421, -0.0944222137, -0.00557778776, 0.105577797],
        [-0.026871711, 0.186566174, -0.13351956, 0.638382554, -0.144581497, -0.0268730056, 0.171805263],
        [-0.0329116359, 0.200964749, -0.141798392, 0.638053596, -0.145720705, -0.0268730056, 0.173309356],
    ],
    'adafactor_options': [
        [0.460140139, -0.908855319, 1.42857003, 1.93874979, 0.0749812946, -0.174990669, 0.27502808],
        [0.4975155, -0.999393404, 1.35952425, 1.88648224, 0.0485844612, -0.187568933, 0.306965441],
        [0.492641121, -0.987590253, 1.35273933, 1.88620842, 0.0476594977, -0.187568933, 0.308083147],
    ],
    'adafactor_weight_decay': [
        [0.399212658, -0.776667774, 1.28942752, 1.78372514, 0.0744776502, -0.169477656, 0.26447764],
        [0.432300568, -0.864278316, 1.12804067, 1.62235045, 0.0554063506, -0.16751954, 0.271517605],
        [0.407465458, -0.81338805, 1.06722486, 1.54105759, 0.0523676276, -0.159143567, 0.258296102],
    ],
    'adafactor_clipnorm': [
        [0.420223892, -0.817545056, 1.35729218, 1.87760544, 0.0783975273, -0.178397536, 0.27839753],
        [0.490961254, -0.990639329, 1.22637677, 1.7774961, 0.0586666539, -0.187854633, 0.30222562],
        [0.481245995, -0.966843605, 1.21285832, 1.77694428, 0.0574293658, -0.187854633, 0.303719342],
    ],
    'adafactor_schedule': [
        [-0.297761261, 0.824549675, 0.0729212761, 0.776054859, -0.116024695, 0.0160246938, 0.0839753151],
        [-0.10214594, 0.358290613, -0.2844522, 0.509861827, -0.16702202, -0.00562631898, 0.151309282],
        [-0.107482225, 0.371011794, -0.291766554, 0.509571195, -0.168005511, -0.00562631898, 0.152607784],
    ],
}

KERAS_STATE = {
    'adadelta': [
        ('iteration', [3]),
        ('learning_rate', [1]),
        ('w_accumulated_grad', [0.00596625032, 0.0238650013, 0.0954250097, 0.0484262928]),
        ('w_accumulated_delta_var', [1.5102097e-07, 1.51023698e-07, 1.50929552e-07, 1.36841351e-07]),
        ('b_accumulated_grad', [0.287395, 0.0480937511, 0.0380049981]),
        ('b_accumulated_delta_var', [1.60929844e-07, 1.01978188e-07, 2.23886275e-07]),
    ],
    'adadelta_default': [
        ('iteration', [3]),
        ('learning_rate', [0.00100000005]),
        ('w_accumulated_grad', [0.00596625032, 0.0238650013, 0.0954250097, 0.0484262928]),
        ('w_accumulated_delta_var', [1.5102097e-07, 1.51023698e-07, 1.50929552e-07, 1.36841351e-07]),
        ('b_accumulated_grad', [0.287395, 0.0480937511, 0.0380049981]),
        ('b_accumulated_delta_var', [1.60929844e-07, 1.01978188e-07, 2.23886275e-07]),
    ],
    'adadelta_rho_eps': [
        ('iteration', [3]),
        ('learning_rate', [0.5]),
        ('w_accumulated_grad', [0.0179399997, 0.0717599988, 0.286900014, 0.143680185]),
        ('w_accumulated_delta_var', [0.0011414889, 0.00119522202, 0.00120820664, 0.0010776862]),
        ('b_accumulated_grad', [0.872080028, 0.138000011, 0.122019999]),
        ('b_accumulated_delta_var', [0.00129897438, 0.000751803047, 0.00178911898]),
    ],
    'adadelta_weight_decay': [
        ('iteration', [3]),
        ('learning_rate', [1]),
        ('w_accumulated_grad', [0.00596625032, 0.0238650013, 0.0954250097, 0.0484262928]),
        ('w_accumulated_delta_var', [1.5102097e-07, 1.51023698e-07, 1.50929552e-07, 1.36841351e-07]),
        ('b_accumulated_grad', [0.287395, 0.0480937511, 0.0380049981]),
        ('b_accumulated_delta_var', [1.60929844e-07, 1.01978188e-07, 2.23886275e-07]),
    ],
    'adadelta_clipnorm': [
        ('iteration', [3]),
        ('learning_rate', [1]),
        ('w_accumulated_grad', [0.00081682147, 0.00326728588, 0.0130341435, 0.00610804837]),
        ('w_accumulated_delta_var', [1.94045086e-07, 1.9407986e-07, 1.93281593e-07, 1.74970552e-07]),
        ('b_accumulated_grad', [0.0179087147, 0.00240696152, 0.00286557199]),
        ('b_accumulated_delta_var', [1.89289878e-07, 1.10622921e-07, 2.45159214e-07]),
    ],
    'ftrl': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w_accumulator', [0.230100006, 0.620400012, 2.1809001, 1.16000092]),
        ('w_linear', [-0.518327832, 3.88741708, -14.2488031, -12.8828707]),
        ('b_accumulator', [6.35039997, 1.16250002, 0.91260004]),
        ('b_linear', [1.88268375, 0.728194356, -1.28667796]),
    ],
    'ftrl_default': [
        ('iteration', [3]),
        ('learning_rate', [0.00100000005]),
        ('w_accumulator', [0.230100006, 0.620400012, 2.1809001, 1.16000092]),
        ('w_linear', [-65.7026901, 420.092133, -1648.44214, -1438.48328]),
        ('b_accumulator', [6.35039997, 1.16250002, 0.91260004]),
        ('b_linear', [-208.635071, 149.843079, -133.354019]),
    ],
    'ftrl_l1_l2': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w_accumulator', [0.230100006, 0.620400012, 2.1809001, 1.16000092]),
        ('w_linear', [-0.512207687, 3.86562228, -14.2012634, -12.8451405]),
        ('b_accumulator', [6.35039997, 1.16250002, 0.91260004]),
        ('b_linear', [1.86987913, 0.726575851, -1.25038815]),
    ],
    'ftrl_l1_zeroes': [
        ('iteration', [3]),
        ('learning_rate', [0.5]),
        ('w_accumulator', [0.230100006, 0.620400012, 2.1809001, 1.16000092]),
        ('w_linear', [-0.00966212712, 0.504018307, -0.948186159, -1.29834795]),
        ('b_accumulator', [6.35039997, 1.16250002, 0.91260004]),
        ('b_linear', [3.46156788, -0.462766141, -0.425228119]),
    ],
    'ftrl_shrinkage_beta': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w_accumulator', [0.630100071, 1.02039993, 2.58090019, 1.5600009]),
        ('w_linear', [-0.0662784427, 2.25854039, -13.6734076, -10.1228523]),
        ('b_accumulator', [6.75040007, 1.5625, 1.31260002]),
        ('b_linear', [1.24208701, 0.58222568, -0.725271761]),
    ],
    'ftrl_power_zero': [
        ('iteration', [3]),
        ('learning_rate', [0.200000003]),
        ('w_accumulator', [0.130100012, 0.520400047, 2.08090019, 1.0600009]),
        ('w_linear', [0.110000007, -0.220000014, 2.02999997, 1.40100002]),
        ('b_accumulator', [6.25040007, 1.0625, 0.812600017]),
        ('b_linear', [3.51999998, -0.75, -0.25999999]),
    ],
    'ftrl_weight_decay': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w_accumulator', [0.230100006, 0.620400012, 2.1809001, 1.16000092]),
        ('w_linear', [-0.484055638, 3.65429759, -13.3096342, -12.0905027]),
        ('b_accumulator', [6.35039997, 1.16250002, 0.91260004]),
        ('b_linear', [1.98439622, 0.65233469, -1.21121967]),
    ],
    'ftrl_clipnorm': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w_accumulator', [0.117607646, 0.170430586, 0.381022304, 0.232340425]),
        ('w_linear', [-0.0579785593, 0.518464804, -2.31738305, -1.79691637]),
        ('b_accumulator', [0.486528337, 0.15305382, 0.160917804]),
        ('b_linear', [0.73908335, -0.0100283474, -0.166204512]),
    ],
    'lion': [
        ('iteration', [3]),
        ('learning_rate', [0.00999999978]),
        ('w_momentum', [0.00106030004, -0.00212060008, 0.0199811999, 0.0137808993]),
        ('b_momentum', [0.0346520022, -0.0073259999, -0.00262449984]),
    ],
    'lion_default': [
        ('iteration', [3]),
        ('learning_rate', [0.00100000005]),
        ('w_momentum', [0.00106030004, -0.00212060008, 0.0199811999, 0.0137808993]),
        ('b_momentum', [0.0346520022, -0.0073259999, -0.00262449984]),
    ],
    'lion_betas': [
        ('iteration', [3]),
        ('learning_rate', [0.00999999978]),
        ('w_momentum', [-0.00749999937, 0.0149999987, 0.36500001, 0.237999991]),
        ('b_momentum', [0.63499999, -0.0625, -0.129999995]),
    ],
    'lion_weight_decay': [
        ('iteration', [3]),
        ('learning_rate', [0.00999999978]),
        ('w_momentum', [0.00106030004, -0.00212060008, 0.0199811999, 0.0137808993]),
        ('b_momentum', [0.0346520022, -0.0073259999, -0.00262449984]),
    ],
    'lion_ema': [
        ('iteration', [3]),
        ('learning_rate', [0.00999999978]),
        ('w_average', [0.492500007, -0.992500007, 1.47749996, 1.97749996]),
        ('b_average', [0.077500008, -0.192499995, 0.30250001]),
        ('w_momentum', [0.00106030004, -0.00212060008, 0.0199811999, 0.0137808993]),
        ('b_momentum', [0.0346520022, -0.0073259999, -0.00262449984]),
    ],
    'adafactor': [
        ('iteration', [3]),
        ('learning_rate', [0.00100000005]),
        ('w', [0.0896922052, 0.429657042]),
        ('w', [0.304808199, 0.214541093]),
        ('w_velocity', [0.10528145, 0.0741029903, 0.504334986, 0.354979247]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [1.75144649, 0.269892931, 0.251185089]),
    ],
    'adafactor_big_lr': [
        ('iteration', [3]),
        ('learning_rate', [0.899999976]),
        ('w', [0.0896922052, 0.429657042]),
        ('w', [0.304808199, 0.214541093]),
        ('w_velocity', [0.10528145, 0.0741029903, 0.504334986, 0.354979247]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [1.75144649, 0.269892931, 0.251185089]),
    ],
    'adafactor_no_relative_step': [
        ('iteration', [3]),
        ('learning_rate', [0.899999976]),
        ('w', [0.0896922052, 0.429657042]),
        ('w', [0.304808199, 0.214541093]),
        ('w_velocity', [0.10528145, 0.0741029903, 0.504334986, 0.354979247]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [1.75144649, 0.269892931, 0.251185089]),
    ],
    'adafactor_options': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w', [0.05888322, 0.273517311]),
        ('w', [0.197600871, 0.134799629]),
        ('w_velocity', [0.0700081661, 0.0477582663, 0.325193584, 0.221841007]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [1.16882753, 0.1434699, 0.200113446]),
    ],
    'adafactor_weight_decay': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w', [0.0896922052, 0.429657042]),
        ('w', [0.304808199, 0.214541093]),
        ('w_velocity', [0.10528145, 0.0741029903, 0.504334986, 0.354979247]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [1.75144649, 0.269892931, 0.251185089]),
    ],
    'adafactor_clipnorm': [
        ('iteration', [3]),
        ('learning_rate', [0.100000001]),
        ('w', [0.0129923513, 0.0603930727]),
        ('w', [0.0440286621, 0.0293567646]),
        ('w_velocity', [0.0155899031, 0.0103947995, 0.072467424, 0.0483187288]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [0.113286637, 0.0136777731, 0.0194323007]),
    ],
    'adafactor_schedule': [
        ('iteration', [3]),
        ('w', [0.0896922052, 0.429657042]),
        ('w', [0.304808199, 0.214541093]),
        ('w_velocity', [0.10528145, 0.0741029903, 0.504334986, 0.354979247]),
        ('b', [0]),
        ('b', [0]),
        ('b_velocity', [1.75144649, 0.269892931, 0.251185089]),
    ],
}

# Adafactor(learning_rate=0.5, name="o"), 2 steps on a rank-3 variable k (factored over its last
# two axes) and a rank-0 variable s (not factored), Keras 3.15.1.
K0 = np.linspace(-1, 1, 24).astype("float32").reshape(2, 3, 4)
GK = [(0.5 * np.cos(np.arange(24))).astype("float32").reshape(2, 3, 4),
      (0.3 * np.sin(np.arange(24))).astype("float32").reshape(2, 3, 4)]
S0 = np.float32(0.7)
GS = [np.float32(0.3), np.float32(-0.2)]
ADAFACTOR_RANK3_K = np.array([-1.3907001, -1.4678421, -1.00611877, -0.417052358, -0.0767949224, -0.317557424, -0.746667564, -0.9577685, -0.631497383, 0.101506785, 0.448995054, 0.352508485, -0.0821590126, -0.463883817, -0.222934693, 0.353091121, 0.842528343, 0.973771036, 0.582512856, 0.244211212, 0.215660393, 0.766846478, 1.38833404, 1.5467037])
ADAFACTOR_RANK3_S = 0.491383791
ADAFACTOR_RANK3_STATE = [
    ('iteration', (), [2]),
    ('learning_rate', (), [0.5]),
    ('k', (2, 3), [0.0851424038, 0.0790248439, 0.0729696453, 0.080849275, 0.0846114904, 0.0756370574]),
    ('k', (2, 4), [0.0781112313, 0.0736264363, 0.0845086277, 0.0799362436, 0.0844463482, 0.0735650137, 0.0782246143, 0.0852277949]),
    ('k_velocity', (2, 3, 4), [0.0841359347, 0.0793052316, 0.0910267681, 0.0861017108, 0.0780906901, 0.0736070722, 0.0844864026, 0.0799152255, 0.0721070692, 0.0679670051, 0.0780127198, 0.0737918019, 0.0849542171, 0.0740074441, 0.0786950663, 0.0857403651, 0.0889074579, 0.0774512887, 0.0823570415, 0.0897301883, 0.0794773623, 0.0692363083, 0.0736217275, 0.0802128315]),
    ('s', (), [0]),
    ('s', (), [0]),
    ('s_velocity', (), [0.0612825453]),
]

# [(v.name, v.shape) for v in opt.variables] after opt.build([w, b]), Keras 3.15.1.
KERAS_VARIABLES = {
    "Adadelta": [("iteration", ()), ("learning_rate", ()), ("w_accumulated_grad", (2, 2)),
                 ("w_accumulated_delta_var", (2, 2)), ("b_accumulated_grad", (3,)),
                 ("b_accumulated_delta_var", (3,))],
    "Ftrl": [("iteration", ()), ("learning_rate", ()), ("w_accumulator", (2, 2)),
             ("w_linear", (2, 2)), ("b_accumulator", (3,)), ("b_linear", (3,))],
    "Lion": [("iteration", ()), ("learning_rate", ()), ("w_momentum", (2, 2)),
             ("b_momentum", (3,))],
    "Adafactor": [("iteration", ()), ("learning_rate", ()), ("w", (2,)), ("w", (2,)),
                  ("w_velocity", (2, 2)), ("b", ()), ("b", ()), ("b_velocity", (3,))],
}
CLASSES = {"Adadelta": Adadelta, "Ftrl": Ftrl, "Lion": Lion, "Adafactor": Adafactor}

_BASE_CONFIG = {"name": "o", "learning_rate": 0.0010000000474974513, "weight_decay": None,
                "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
                "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}
# cls(name="o").get_config(), Keras 3.15.1 (the base keys first, in this order).
KERAS_CONFIGS = {
    "Adadelta": dict(_BASE_CONFIG, rho=0.95, epsilon=1e-07),
    "Ftrl": dict(_BASE_CONFIG, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0),
    "Lion": dict(_BASE_CONFIG, beta_1=0.9, beta_2=0.99),
    "Adafactor": dict(_BASE_CONFIG, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=0.001,
                      clip_threshold=1.0, relative_step=True),
}


def _variables(dtype="float32"):
    return (Variable(W0.astype(dtype), dtype=dtype, name="w"),
            Variable(B0.astype(dtype), dtype=dtype, name="b"))


def _run(case, steps=3):
    """Run CASES[case] for `steps` steps; returns (optimizer, w, b, list of flattened states)."""
    opt = CASES[case]()
    w, b = _variables()
    states = []
    for s in range(steps):
        opt.apply([GW[s], GB[s]], [w, b])
        states.append(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]))
    return opt, w, b, states


# -- numbers pinned against Keras -------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(KERAS_TRAJECTORIES))
def test_trajectory_matches_keras(case):
    opt, w, b, states = _run(case)
    np.testing.assert_allclose(np.array(states), np.array(KERAS_TRAJECTORIES[case]),
                               rtol=1e-6, atol=1e-7)
    assert int(opt.iterations.numpy()) == 3


@pytest.mark.parametrize("case", sorted(KERAS_STATE))
def test_optimizer_state_matches_keras(case):
    opt, _, _, _ = _run(case)
    expected = KERAS_STATE[case]
    assert [v.name for v in opt.variables] == [name for name, _ in expected]
    for variable, (name, values) in zip(opt.variables, expected):
        values = np.asarray(values, "float64")
        np.testing.assert_allclose(variable.numpy().ravel(), values, rtol=1e-6,
                                   atol=1e-6 * np.abs(values).max(), err_msg=name)


def test_cases_exercise_their_options():
    # A pinned case must differ from its plain counterpart, else it could pass vacuously.
    final = {case: np.array(rows[-1]) for case, rows in KERAS_TRAJECTORIES.items()}
    start = np.concatenate([W0.ravel(), B0.ravel()])
    pairs = [("adadelta_rho_eps", "adadelta"), ("adadelta_weight_decay", "adadelta"),
             ("adadelta_clipnorm", "adadelta"), ("ftrl_l1_l2", "ftrl"),
             ("ftrl_shrinkage_beta", "ftrl"), ("ftrl_power_zero", "ftrl"),
             ("ftrl_weight_decay", "ftrl"), ("ftrl_clipnorm", "ftrl"), ("lion_betas", "lion"),
             ("lion_weight_decay", "lion"), ("adafactor_big_lr", "adafactor"),
             ("adafactor_options", "adafactor"), ("adafactor_weight_decay", "adafactor"),
             ("adafactor_clipnorm", "adafactor"), ("adafactor_schedule", "adafactor_big_lr")]
    for case, plain in pairs:
        # (1e-4 is 1000x the tolerance; Adadelta is nearly scale-free, so clipnorm moves little.)
        assert np.abs(final[case] - final[plain]).max() > 1e-4, case
    # The default Adadelta rate barely moves the weights (by lr * sqrt(epsilon / (1 - rho)) =
    # 1.4e-6 on the first step), close to the trajectory tolerance at |w| = 2; its update size is
    # pinned instead by KERAS_STATE's accumulated_delta_var (rtol=1e-6, an atol of ~1e-13).
    first = np.array(KERAS_TRAJECTORIES["adadelta_default"][0])
    assert np.abs(first - start).min() > 1e-6
    # Ftrl's L1 term sets weights to exactly 0.
    assert (final["ftrl_l1_zeroes"] == 0).sum() == 3
    # Keras 3.15.1's relative_step=False changes nothing (the 1/sqrt(t) cap is always applied).
    assert KERAS_TRAJECTORIES["adafactor_no_relative_step"] == KERAS_TRAJECTORIES["adafactor_big_lr"]


def test_lion_moves_every_weight_by_exactly_the_learning_rate():
    _, _, _, states = _run("lion_default")
    steps = np.abs(np.diff(np.vstack([np.concatenate([W0.ravel(), B0.ravel()])] + states), axis=0))
    np.testing.assert_allclose(steps, 0.001, rtol=1e-3)


def test_adafactor_rank3_and_scalar_variables_match_keras():
    k, s = Variable(K0.copy(), name="k"), Variable(np.array(S0), name="s")
    opt = Adafactor(learning_rate=0.5, name="o")
    for i in range(2):
        opt.apply([GK[i], GS[i]], [k, s])
    # Row/column means over a (2, 3, 4) array and the rms over 24 values are summed in another
    # order than torch's: differences stay within one float32 ulp at magnitude 1 (<= 1.2e-7).
    np.testing.assert_allclose(k.numpy().ravel(), ADAFACTOR_RANK3_K, rtol=1e-6, atol=2e-7)
    np.testing.assert_allclose(s.numpy(), ADAFACTOR_RANK3_S, rtol=1e-6)
    assert s.shape == () and k.shape == (2, 3, 4)
    assert [(v.name, v.shape) for v in opt.variables] == [
        (name, shape) for name, shape, _ in ADAFACTOR_RANK3_STATE]
    for variable, (name, _, values) in zip(opt.variables, ADAFACTOR_RANK3_STATE):
        np.testing.assert_allclose(variable.numpy().ravel(), values, rtol=1e-6, atol=1e-9,
                                   err_msg=name)


# -- by-hand formulas (float64, independent of the implementation) ------------------------------
def _one_step(opt, dtype="float32"):
    w, b = _variables(dtype)
    opt.apply([GW[0].astype(dtype), GB[0].astype(dtype)], [w, b])
    return w.numpy().astype("float64"), b.numpy().astype("float64")


def _rms(x):
    return math.sqrt(np.mean(x * x))


def test_adadelta_formula_by_hand():
    lr, rho, eps = 0.5, 0.8, 1e-3
    got = _one_step(Adadelta(learning_rate=lr, rho=rho, epsilon=eps))
    for x0, g, x1 in zip((W0, B0), (GW[0], GB[0]), got):
        x0, g = x0.astype("float64"), g.astype("float64")
        accumulated_grad = (1 - rho) * g * g
        delta = math.sqrt(0 + eps) * g / np.sqrt(accumulated_grad + eps)
        np.testing.assert_allclose(x1, x0 - lr * delta, rtol=1e-6)


def test_ftrl_formula_by_hand():
    # The paper's closed form: w = 0 where |z| <= l1, else -(z - l1 sign(z)) / quadratic.
    lr, n0, l1, l2, shrink, beta = 0.1, 0.1, 0.3, 0.1, 0.2, 0.5
    opt = Ftrl(learning_rate=lr, l1_regularization_strength=l1, l2_regularization_strength=l2,
               l2_shrinkage_regularization_strength=shrink, beta=beta)
    got = _one_step(opt)
    for x0, g, x1 in zip((W0, B0), (GW[0], GB[0]), got):
        x0, g = x0.astype("float64"), g.astype("float64")
        n1 = n0 + g * g
        sigma = (np.sqrt(n1) - np.sqrt(n0)) / lr
        z = (g + 2 * shrink * x0) - sigma * x0
        quadratic = (beta + np.sqrt(n1)) / lr + 2 * l2
        expected = np.where(np.abs(z) <= l1, 0.0, -(z - l1 * np.sign(z)) / quadratic)
        np.testing.assert_allclose(x1, expected, rtol=1e-6, atol=1e-7)
        assert (expected == 0).any() and (expected != 0).any()  # both branches are checked


def test_lion_formula_by_hand():
    lr, beta_1, beta_2 = 0.01, 0.7, 0.95
    opt = Lion(learning_rate=lr, beta_1=beta_1, beta_2=beta_2)
    w, b = _variables()
    opt.apply([GW[0], GB[0]], [w, b])
    opt.apply([GW[1], GB[1]], [w, b])
    for x0, g0, g1, x2, m in zip((W0, B0), (GW[0], GB[0]), (GW[1], GB[1]), (w, b),
                                 opt.variables[2:]):
        x0, g0, g1 = x0.astype("float64"), g0.astype("float64"), g1.astype("float64")
        m1 = (1 - beta_2) * g0
        x1 = x0 - lr * np.sign((1 - beta_1) * g0)
        expected = x1 - lr * np.sign(beta_1 * m1 + (1 - beta_1) * g1)
        np.testing.assert_allclose(x2.numpy(), expected, rtol=1e-6)
        np.testing.assert_allclose(m.numpy(), beta_2 * m1 + (1 - beta_2) * g1, rtol=1e-6)


def test_adafactor_formula_by_hand():
    # Two steps (the second has beta_2_t = 1 - 2**-0.8), update clipping active.
    lr, decay, eps_1, eps_2, clip = 0.9, -0.8, 1e-30, 1e-3, 0.5
    opt = Adafactor(learning_rate=lr, clip_threshold=clip)
    w, b = _variables()
    x = {"w": W0.astype("float64"), "b": B0.astype("float64")}
    r = c = None
    v_b = np.zeros(3)
    for t, (gw, gb) in enumerate(zip(GW[:2], GB[:2]), start=1):
        opt.apply([gw, gb], [w, b])
        rho = min(lr, 1 / math.sqrt(t))
        beta_2_t = 1 - t ** decay
        # w: factored second moment
        g = gw.astype("float64")
        G = g * g + eps_1
        r = G.mean(axis=1) if r is None else beta_2_t * r + (1 - beta_2_t) * G.mean(axis=1)
        c = G.mean(axis=0) if c is None else beta_2_t * c + (1 - beta_2_t) * G.mean(axis=0)
        v = np.outer(r / r.mean(), c)
        u = g / np.sqrt(v)
        x["w"] = x["w"] - max(eps_2, _rms(x["w"])) * rho * u / max(1, _rms(u) / clip)
        # b: full second moment
        g = gb.astype("float64")
        v_b = beta_2_t * v_b + (1 - beta_2_t) * (g * g + eps_1)
        u = g / np.sqrt(v_b)
        x["b"] = x["b"] - max(eps_2, _rms(x["b"])) * rho * u / max(1, _rms(u) / clip)
    np.testing.assert_allclose(w.numpy(), x["w"], rtol=2e-6)
    np.testing.assert_allclose(b.numpy(), x["b"], rtol=2e-6)
    w_r, w_c, w_velocity, _, _, b_velocity = opt.variables[2:]
    np.testing.assert_allclose(w_r.numpy(), r, rtol=2e-6)
    np.testing.assert_allclose(w_c.numpy(), c, rtol=2e-6)
    np.testing.assert_allclose(w_velocity.numpy(), np.outer(r / r.mean(), c), rtol=2e-6)
    np.testing.assert_allclose(b_velocity.numpy(), v_b, rtol=2e-6)


@pytest.mark.parametrize("make", [
    lambda: Adadelta(learning_rate=1.0, rho=0.9),
    lambda: Ftrl(learning_rate=0.1, l1_regularization_strength=0.01,
                 l2_shrinkage_regularization_strength=0.1, beta=0.2),
    lambda: Lion(learning_rate=0.01),
])
def test_blocked_update_of_a_large_variable(make):
    # More values than one block (BLOCK_SIZE), with a partial last block: the result must be the
    # same as the same update on small pieces.
    rng = np.random.default_rng(0)
    size = 2 * BLOCK_SIZE + 123
    w0 = rng.standard_normal(size).astype("float32")
    grads = [rng.standard_normal(size).astype("float32") for _ in range(2)]
    big = Variable(w0.copy(), name="big")
    opt = make()
    for g in grads:
        opt.apply([g], [big])
    pieces = np.split(np.arange(size), [1000, 20000, 40000])
    small = [Variable(w0[i].copy(), name=f"p{j}") for j, i in enumerate(pieces)]
    opt = make()
    for g in grads:
        opt.apply([g[i] for i in pieces], small)
    np.testing.assert_array_equal(big.numpy(), np.concatenate([v.numpy() for v in small]))


# -- variables, names, order, dtypes ----------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_variables_like_keras(name):
    opt = CLASSES[name](name="o")
    w, b = _variables()
    opt.build([w, b])
    assert [(v.name, v.shape) for v in opt.variables] == KERAS_VARIABLES[name]
    assert not any(v.trainable for v in opt.variables)
    assert opt.variables[0].dtype == np.int32 and opt.variables[1].dtype == np.float32
    if name == "Ftrl":  # accumulators start at initial_accumulator_value (float32 0.1)
        assert (opt.variables[2].numpy() == np.float32(0.1)).all()
        assert not opt.variables[3].numpy().any()
    elif name != "Adafactor":
        assert not any(v.numpy().any() for v in opt.variables[2:])


def test_adafactor_variable_paths_and_placeholders_like_keras():
    # Keras 3.15.1, Dense named "d1" and Adafactor(name="adam"): r and c are named after the
    # variable's name; a rank-1 variable gets two int32 scalar placeholders whose path is the
    # bare variable name.
    kernel = Variable(np.zeros((2, 3), "float32"), name="kernel")
    kernel.path = "d1/kernel"
    bias = Variable(np.zeros(3, "float32"), name="bias")
    bias.path = "d1/bias"
    opt = Adafactor(name="adam")
    opt.build([kernel, bias])
    assert [(v.name, v.shape, v.path, v.dtype.name) for v in opt.variables] == [
        ("iteration", (), "adam/iteration", "int32"),
        ("learning_rate", (), "adam/learning_rate", "float32"),
        ("kernel", (2,), "adam/kernel", "float32"),
        ("kernel", (3,), "adam/kernel", "float32"),
        ("d1_kernel_velocity", (2, 3), "adam/d1_kernel_velocity", "float32"),
        ("bias", (), "bias", "int32"),
        ("bias", (), "bias", "int32"),
        ("d1_bias_velocity", (3,), "adam/d1_bias_velocity", "float32")]
    opt.apply([np.ones((2, 3), "float32"), np.ones(3, "float32")], [kernel, bias])
    # Keras 3.15.1 after that step: r = [1, 1], c = [1, 1, 1], velocities all 1.
    np.testing.assert_allclose(opt.variables[2].numpy(), [1, 1])
    np.testing.assert_allclose(opt.variables[3].numpy(), [1, 1, 1])
    np.testing.assert_allclose(opt.variables[4].numpy(), np.ones((2, 3)))
    assert opt.variables[5].numpy() == 0 and opt.variables[6].numpy() == 0


def test_adafactor_slot_order_with_ema_like_keras():
    # Keras 3.15.1: Adafactor(use_ema=True).build([k3 (2, 3, 4), s ()]).
    k3 = Variable(np.ones((2, 3, 4), "float32"), name="k3")
    s = Variable(np.float32(1.0), name="s")
    opt = Adafactor(use_ema=True, name="o")
    opt.build([k3, s])
    assert [(v.name, v.shape) for v in opt.variables] == [
        ("iteration", ()), ("learning_rate", ()), ("k3_average", (2, 3, 4)), ("s_average", ()),
        ("k3", (2, 3)), ("k3", (2, 4)), ("k3_velocity", (2, 3, 4)), ("s", ()), ("s", ()),
        ("s_velocity", ())]


@pytest.mark.parametrize("case", ["adadelta", "ftrl_shrinkage_beta", "lion", "adafactor_options"])
def test_float32_is_preserved_and_updates_are_in_place(case):
    opt = CASES[case]()
    w, b = _variables()
    w_data, b_data = w.data, b.data
    opt.apply([GW[0].astype("float64"), GB[0].astype("float64")], [w, b])
    assert w.data is w_data and b.data is b_data
    assert w.dtype == np.float32 and b.dtype == np.float32
    for variable in opt.variables[1:]:
        assert variable.dtype == (np.int32 if variable.path == variable.name else np.float32)


@pytest.mark.parametrize("case", ["adadelta", "ftrl_shrinkage_beta", "lion_betas",
                                  "adafactor_big_lr"])
def test_float64_variables_get_float64_slots(case):
    opt = CASES[case]()
    w, b = _variables("float64")
    opt.apply([GW[0].astype("float64"), GB[0].astype("float64")], [w, b])
    assert w.dtype == np.float64 and b.dtype == np.float64
    for variable in opt.variables[2:]:
        assert variable.dtype == (np.int32 if variable.path == variable.name else np.float64)
    got = np.concatenate([w.numpy().ravel(), b.numpy().ravel()])
    np.testing.assert_allclose(got, KERAS_TRAJECTORIES[case][0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["adadelta", "ftrl_shrinkage_beta", "lion", "adafactor"])
def test_gradients_are_not_modified(case):
    grads = [GW[0].copy(), GB[0].copy()]
    CASES[case]().apply(grads, list(_variables()))
    np.testing.assert_array_equal(grads[0], GW[0])
    np.testing.assert_array_equal(grads[1], GB[0])


def test_own_variables_round_trip_with_adafactor_placeholders():
    source, _, _, _ = _run("adafactor_options")
    target = CASES["adafactor_options"]()
    target.build(list(_variables()))
    store = {}
    source.save_own_variables(store)
    assert [store[str(i)].dtype.name for i in range(len(store))] == [
        "int32", "float32", "float32", "float32", "float32", "int32", "int32", "float32"]
    target.load_own_variables(store)
    for a, b in zip(source.variables, target.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# -- config -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_default_config_is_keras_config(name):
    config = CLASSES[name](name="o").get_config()
    assert config == KERAS_CONFIGS[name]
    assert list(config) == list(KERAS_CONFIGS[name])


def test_non_default_ftrl_config_is_keras_config():
    config = Ftrl(learning_rate=0.1, learning_rate_power=-0.7, initial_accumulator_value=0.5,
                  l1_regularization_strength=0.05, l2_regularization_strength=0.1,
                  l2_shrinkage_regularization_strength=0.2, beta=0.5, name="o").get_config()
    assert config == dict(  # Keras 3.15.1
        _BASE_CONFIG, learning_rate=0.10000000149011612, learning_rate_power=-0.7,
        initial_accumulator_value=0.5, l1_regularization_strength=0.05,
        l2_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.2, beta=0.5)


@pytest.mark.parametrize("make", [
    lambda: Adadelta(learning_rate=0.5, rho=0.8, epsilon=1e-4, weight_decay=0.01, clipnorm=2.0),
    lambda: Ftrl(learning_rate=0.2, learning_rate_power=-0.6, initial_accumulator_value=0.3,
                 l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                 l2_shrinkage_regularization_strength=0.03, beta=0.4, clipvalue=1.0),
    lambda: Lion(learning_rate=0.003, beta_1=0.95, beta_2=0.98, use_ema=True, ema_momentum=0.9,
                 ema_overwrite_frequency=5, name="my_lion"),
    lambda: Adafactor(learning_rate=0.01, beta_2_decay=-0.5, epsilon_1=1e-20, epsilon_2=1e-2,
                      clip_threshold=2.0, relative_step=False, global_clipnorm=3.0,
                      loss_scale_factor=8.0),
    lambda: Adafactor(learning_rate=schedules.ExponentialDecay(0.1, 100, 0.96, staircase=True)),
])
def test_config_round_trip(make):
    opt = make()
    config = opt.get_config()
    clone = type(opt).from_config(config)
    assert type(clone) is type(opt) and clone.get_config() == config


def test_default_names_like_keras():
    for cls, name in ((Adadelta, "adadelta"), (Ftrl, "ftrl"), (Lion, "lion"),
                      (Adafactor, "adafactor")):
        first, second = cls(), cls()
        assert first.name.startswith(name) and second.name.startswith(name)
        assert first.name != second.name


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: Adadelta(rho=1.5), "Adadelta.*`rho`"),
    (lambda: Adadelta(rho="0.9"), "Adadelta.*`rho`"),
    (lambda: Adadelta(epsilon=-1e-7), "Adadelta.*`epsilon`"),
    (lambda: Adadelta(learning_rate="fast"), "Adadelta.*learning_rate"),
    (lambda: Adadelta(clipnorm=-1.0), "Adadelta.*clipnorm"),
    (lambda: Ftrl(learning_rate_power=0.5), "Ftrl.*`learning_rate_power`"),
    (lambda: Ftrl(initial_accumulator_value=-0.1), "Ftrl.*`initial_accumulator_value`"),
    (lambda: Ftrl(l1_regularization_strength=-1.0), "Ftrl.*`l1_regularization_strength`"),
    (lambda: Ftrl(l2_regularization_strength=-1.0), "Ftrl.*`l2_regularization_strength`"),
    (lambda: Ftrl(l2_shrinkage_regularization_strength=-1.0),
     "Ftrl.*`l2_shrinkage_regularization_strength`"),
    (lambda: Ftrl(beta=-0.5), "Ftrl.*`beta`"),
    (lambda: Ftrl(beta=None), "Ftrl.*`beta`"),
    (lambda: Lion(beta_1=0.0), "Lion.*`beta_1`"),
    (lambda: Lion(beta_1=1.5), "Lion.*`beta_1`"),
    (lambda: Lion(beta_2=-0.1), "Lion.*`beta_2`"),
    (lambda: Lion(weight_decay="lots"), "Lion.*weight_decay"),
    (lambda: Adafactor(beta_2_decay=0.8), "Adafactor.*`beta_2_decay`"),
    (lambda: Adafactor(epsilon_1=-1.0), "Adafactor.*`epsilon_1`"),
    (lambda: Adafactor(epsilon_2="small"), "Adafactor.*`epsilon_2`"),
    (lambda: Adafactor(clip_threshold=0.0), "Adafactor.*`clip_threshold`"),
    (lambda: Adafactor(clip_threshold=-1.0), "Adafactor.*`clip_threshold`"),
    (lambda: Adafactor(relative_step="yes"), "Adafactor.*`relative_step`"),
    (lambda: Adafactor(foo=1.0), "Adafactor.*not recognized"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
