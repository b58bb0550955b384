"""Attention, AdditiveAttention and MultiHeadAttention (issue 5, item 4).

The expected numbers were computed with Keras 3.15.1 (torch backend) from the same seeded inputs
and weights (`draw` below) and pinned here, rounded to 6 decimals. Every layer has a float64
gradient check of its inputs and weights against central differences.

Deliberate differences from Keras, tested below: MultiHeadAttention honours an explicit
`query_mask` when the query tensor carries no mask (Keras 3.15 silently ignores it) and leaves
the inputs' masks in place (Keras clears them). Where every key of a query step is masked (a
masked query step), the weights are all zero as in Keras's `return_attention_scores` path;
Keras's fused path (torch scaled_dot_product_attention) gives uniform weights there instead,
so pinned masked-query cases use `return_attention_scores=True`.
"""
import json

import numpy as np
import pytest

from minikeras.backend import set_floatx
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from minikeras.layers.core.embedding import Embedding
from minikeras.utils.gradient_check import numerical_gradient

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}

KERAS = {
    'att_dot': [[[0.31408, -0.494343, 0.372735, 0.187478], [0.363948, -0.306119, 0.8039,
        -0.014473], [0.521034, -0.515947, 0.410595, 0.223949]], [[-1.404222, -0.55462, -0.212754,
        -0.995219], [-1.027499, -1.272663, 0.29289, -0.719979], [-1.49708, -0.902066, -0.029762,
        -0.908272]]],
    'att_dot_scores': [[[0.036372, 0.388327, 0.14488, 0.239714, 0.190707], [0.263241, 0.19142,
        0.279645, 0.110634, 0.15506], [0.072765, 0.164748, 0.238952, 0.294834, 0.228701]],
        [[0.113955, 0.660142, 0.048688, 0.047509, 0.129707], [0.778316, 0.143958, 0.040136,
        0.026564, 0.011025], [0.312758, 0.554484, 0.093098, 0.03317, 0.00649]]],
    'att_scale_key': [[[0.656976, 0.3221, -0.243684], [1.070837, -0.721438, 0.236162], [0.223438,
        1.017272, 0.354408]], [[0.729141, 0.398986, 0.127819], [0.566731, 0.770499, 0.325852],
        [0.749334, 0.25526, -0.043172]]],
    'att_scale_key_scores': [[[0.03952, 0.050954, 0.063691, 0.814256, 0.031578], [0.327513,
        0.026411, 0.184443, 0.299412, 0.162221], [0.034515, 0.79793, 0.057764, 0.031921, 0.07787]],
        [[0.203267, 0.39122, 0.126477, 0.246084, 0.032952], [0.098328, 0.084141, 0.371651,
        0.257715, 0.188164], [0.093857, 0.184119, 0.090659, 0.367933, 0.263432]]],
    'att_concat': [[[0.378267, 0.077529, 0.865223, -0.085767], [0.440819, 0.134025, 0.507643,
        0.098215], [0.323707, 0.319841, 0.897832, -0.145997]], [[-0.194829, 0.592329, 0.208064,
        -0.600106], [-0.489936, 0.302832, 0.377125, -0.521867], [-0.605772, 0.297677, 0.430143,
        -0.490871]]],
    'att_concat_scores': [[[0.433259, 0.062158, 0.233412, 0.110608, 0.160562], [0.337795, 0.070477,
        0.110393, 0.201536, 0.279799], [0.529427, 0.048179, 0.179755, 0.099597, 0.143043]],
        [[0.035738, 0.021405, 0.160386, 0.240198, 0.542274], [0.113429, 0.017948, 0.209542,
        0.312818, 0.346262], [0.082646, 0.026234, 0.282295, 0.305648, 0.303177]]],
    'att_masked': [[[-0.010985, -0.742623, 0.865108, -0.095339], [0.219018, -0.35354, 1.184154,
        -0.234279], [0.0, 0.0, 0.0, 0.0]], [[-1.472884, -0.431184, -0.290915, -1.036973], [0.0,
        0.0, 0.0, 0.0], [-1.782304, -0.623406, -0.223059, -1.016449]]],
    'att_masked_scores': [[[0.063857, 0.681778, 0.254364, 0.0, 0.0], [0.358489, 0.260682, 0.380829,
        0.0, 0.0], [0.152719, 0.345771, 0.501509, 0.0, 0.0]], [[0.0, 0.745043, 0.054949, 0.053619,
        0.146388], [0.0, 0.649385, 0.181053, 0.119829, 0.049733], [0.0, 0.806825, 0.135467,
        0.048265, 0.009443]]],
    'att_masked_out_mask': [[1, 1, 0], [1, 0, 1]],
    'att_causal': [[[0.69552, -0.979474, -1.57349, -2.924971], [-0.345937, 1.232116, 0.021898,
        0.487939], [1.023203, -0.882129, 2.65199, -0.877024], [0.364148, 2.719922, -0.112278,
        0.119313]], [[-0.51188, 0.334526, -2.126684, -0.646809], [1.637548, 0.214484, -0.288749,
        0.34679], [0.434895, 0.158815, 0.481096, -1.563711], [0.799575, -0.254549, 0.450512,
        -0.317171]]],
    'att_causal_scores': [[[1.0, 0.0, 0.0, 0.0], [0.006956, 0.993044, 0.0, 0.0], [6.4e-05, 1.1e-05,
        0.999926, 0.0], [3.5e-05, 0.012992, 4e-05, 0.986933]], [[1.0, 0.0, 0.0, 0.0], [0.025633,
        0.974367, 0.0, 0.0], [0.025621, 0.034409, 0.93997, 0.0], [0.013921, 0.240154, 0.233087,
        0.512838]]],
    'att_causal_vmask': [[[0.69552, -0.979474, -1.57349, -2.924971], [0.69552, -0.979474, -1.57349,
        -2.924971], [1.023217, -0.882152, 2.652018, -0.877039], [0.373591, 2.739302, -0.114191,
        0.114147]], [[-0.51188, 0.334526, -2.126684, -0.646809], [1.637548, 0.214484, -0.288749,
        0.34679], [0.434895, 0.158815, 0.481096, -1.563711], [1.018873, 0.186511, 0.097549,
        -0.628691]]],
    'add': [[[0.247376, -0.565828, 0.786673, -0.014054], [0.130638, -0.542322, 0.757317,
        -0.031736], [0.222623, -0.664043, 0.782496, -0.005312]], [[-1.289512, -0.723694, 0.257556,
        -0.703244], [-1.349092, -0.490265, 0.286324, -0.666688], [-1.224415, -0.512404, 0.285776,
        -0.665877]]],
    'add_scores': [[[0.142961, 0.380392, 0.285708, 0.103998, 0.086941], [0.123835, 0.505796,
        0.227266, 0.073657, 0.069446], [0.099938, 0.433968, 0.293423, 0.090243, 0.082428]],
        [[0.354758, 0.311079, 0.205899, 0.113283, 0.014981], [0.205046, 0.333877, 0.288694,
        0.149428, 0.022956], [0.265288, 0.288948, 0.225362, 0.172595, 0.047807]]],
    'add_masked_key': [[[1.286463, -0.70232, 0.29672], [1.121957, -0.349113, 0.270809], [0.0, 0.0,
        0.0]], [[0.878202, 0.731174, 0.267416], [0.0, 0.0, 0.0], [0.973423, 0.494664, 0.53321]]],
    'add_noscale_causal': [[[0.69552, -0.979474, -1.57349, -2.924971], [-0.275157, 1.08181,
        -0.086529, 0.255989], [-0.005913, 0.638169, 0.264577, -0.122124], [0.518194, 0.569101,
        1.130559, -0.379703]], [[-0.51188, 0.334526, -2.126684, -0.646809], [1.293941, 0.233674,
        -0.582561, 0.187953], [0.978403, 0.188635, 0.064934, -0.648898], [1.105858, -0.058263,
        0.153425, -0.099567]]],
    'emb_att': [[[1.804366, -0.3855, 0.542225, -0.367338], [-1.426024, -0.53913, 0.094401,
        -0.725959], [0.0, 0.0, 0.0, 0.0], [-1.465245, -0.133536, -0.013895, -0.262124]],
        [[-0.032028, 0.948356, 0.425693, 0.537172], [0.349917, -0.170405, -1.844778, 0.982875],
        [1.782316, -0.367656, 0.519918, -0.342814], [0.0, 0.0, 0.0, 0.0]]],
    'emb_att_mask': [[1, 1, 0, 1], [1, 1, 1, 0]],
    'mha': [[[0.253681, -0.367028, 0.316094, 0.737631, 0.627135], [-0.364621, -1.360063, 0.215326,
        0.819479, -0.538055], [-0.179306, -0.910499, 0.302435, 0.837579, -0.323236], [-0.110136,
        -0.540733, 0.166397, 0.789833, 0.198106]], [[-1.822175, -0.63096, -0.220221, 1.126173,
        -0.347865], [-1.106111, -1.522115, -0.032619, 1.042662, -0.852188], [-1.471156, -0.946125,
        0.375122, 1.462169, -0.492875], [-1.464512, -1.19761, 0.066322, 1.51534, -0.974328]]],
    'mha_scores': [[[[0.210812, 0.126671, 0.209746, 0.217302, 0.117732, 0.117736], [0.003364,
        0.652253, 0.092852, 0.007276, 0.083463, 0.160792], [0.099658, 0.192955, 0.076742, 0.079872,
        0.289149, 0.261624], [0.087235, 0.268543, 0.169515, 0.112557, 0.164537, 0.197613]],
        [[0.092159, 0.021661, 0.074569, 0.69594, 0.043653, 0.072017], [0.274391, 0.19778, 0.072128,
        0.046836, 0.260522, 0.148342], [0.477075, 0.041154, 0.022609, 0.178572, 0.168291,
        0.112299], [0.130571, 0.02743, 0.081598, 0.619399, 0.060774, 0.080228]]], [[[0.184158,
        0.00474, 0.000338, 0.712075, 0.011313, 0.087374], [0.000466, 0.025766, 0.020091, 0.014528,
        0.129907, 0.809241], [0.604086, 0.089274, 0.094487, 0.174729, 0.015265, 0.02216],
        [0.001829, 0.100332, 0.192174, 0.033114, 0.011849, 0.660703]], [[0.000608, 0.01643,
        0.013738, 0.000985, 0.962408, 0.005831], [0.357646, 0.057282, 0.026109, 0.218322, 0.291289,
        0.049352], [0.006894, 0.144527, 0.589826, 0.018099, 0.019911, 0.220744], [0.013772,
        0.129435, 0.557655, 0.032666, 0.007194, 0.259278]]]],
    'mha_fused': [[[0.253681, -0.367028, 0.316094, 0.737631, 0.627135], [-0.364621, -1.360063,
        0.215325, 0.819479, -0.538055], [-0.179306, -0.910499, 0.302435, 0.837579, -0.323236],
        [-0.110136, -0.540733, 0.166397, 0.789833, 0.198106]], [[-1.822175, -0.63096, -0.220221,
        1.126173, -0.347865], [-1.106111, -1.522115, -0.032619, 1.042662, -0.852188], [-1.471156,
        -0.946125, 0.375122, 1.462168, -0.492875], [-1.464512, -1.19761, 0.066322, 1.51534,
        -0.974328]]],
    'mha_key_vdim_out': [[[0.750244, -0.275028, 0.398142], [0.986588, -0.304305, 0.303925],
        [0.391195, -0.177032, 0.166683], [0.749355, -0.336176, 0.369895]], [[0.298421, -0.150224,
        -0.446524], [0.731559, -0.331332, 0.029355], [0.013385, 0.03643, -0.272483], [0.989479,
        -0.484374, 0.183767]]],
    'mha_causal_amask': [[[-1.67663, -0.806442, 0.458669, -1.309165, 0.737543], [-1.726718,
        -1.205925, -0.804181, -1.378358, 0.366892], [-1.692632, -1.444303, -0.889722, -1.777848,
        0.686141], [-1.474816, -1.1936, -0.897944, -1.751395, 0.866766]], [[-1.053207, -0.317962,
        -2.465873, 2.820055, -0.113137], [-0.22262, 0.257498, 0.124366, -1.234885, 1.125103],
        [-3.212752, -2.315186, -0.658969, -4.891206, 1.892901], [-1.347496, 0.646555, -0.974236,
        -4.324923, 4.170668]]],
    'mha_causal_amask_scores': [[[[1.0, 0.0, 0.0, 0.0], [0.540196, 0.459804, 0.0, 0.0], [0.07599,
        0.573296, 0.350714, 0.0], [0.152699, 0.409329, 0.437972, 0.0]], [[1.0, 0.0, 0.0, 0.0],
        [0.202829, 0.797171, 0.0, 0.0], [0.078514, 0.789518, 0.131968, 0.0], [0.118366, 0.655671,
        0.225963, 0.0]], [[1.0, 0.0, 0.0, 0.0], [0.685727, 0.314273, 0.0, 0.0], [0.549337,
        0.210164, 0.240499, 0.0], [0.423933, 0.303719, 0.272348, 0.0]]], [[[1.0, 0.0, 0.0, 0.0],
        [0.510802, 0.489198, 0.0, 0.0], [0.0, 0.296433, 0.703567, 0.0], [0.000925, 0.02048,
        0.902115, 0.076481]], [[1.0, 0.0, 0.0, 0.0], [0.161122, 0.838878, 0.0, 0.0], [0.0,
        0.232815, 0.767185, 0.0], [0.004634, 0.073904, 0.213494, 0.707967]], [[1.0, 0.0, 0.0, 0.0],
        [0.5632, 0.4368, 0.0, 0.0], [0.0, 0.985334, 0.014666, 0.0], [0.957411, 0.005087, 0.037155,
        0.000347]]]],
    'mha_causal_only': [[[-1.67663, -0.806442, 0.458669, -1.309165, 0.737543], [-1.726718,
        -1.205925, -0.804181, -1.378358, 0.366892], [-1.692632, -1.444303, -0.889722, -1.777848,
        0.686141], [-1.493494, -1.186359, -0.819516, -1.778298, 0.931671]], [[-1.053207, -0.317962,
        -2.465873, 2.820055, -0.113137], [-0.22262, 0.257498, 0.124366, -1.234885, 1.125103],
        [-3.080886, -2.259661, -0.670986, -4.19064, 1.560072], [-1.347496, 0.646555, -0.974236,
        -4.324923, 4.170669]]],
    'mha_tensor_masks': [[[0.549693, -0.38896, 0.415679, 0.697236, 0.903022], [-0.131987,
        -1.763321, 0.276874, 0.711488, -0.586601], [0.294619, -1.197026, 0.526474, 0.820357,
        0.07999], [0.189834, -0.9438, -0.022079, 0.889563, -0.751714]], [[-1.834306, -0.596723,
        -0.209636, 1.116674, -0.332138], [-0.127024, -0.865005, 0.422882, 0.746962, 0.01426],
        [0.189834, -0.9438, -0.022079, 0.889563, -0.751714], [0.189834, -0.9438, -0.022079,
        0.889563, -0.751714]]],
    'mha_tensor_masks_scores': [[[[0.27574, 0.165685, 0.274346, 0.284229, 0.0, 0.0], [0.004451,
        0.86306, 0.122862, 0.009627, 0.0, 0.0], [0.221843, 0.429527, 0.17083, 0.1778, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], [[0.104214, 0.024494, 0.084323, 0.786969, 0.0, 0.0],
        [0.464176, 0.334577, 0.122016, 0.079231, 0.0, 0.0], [0.663148, 0.057205, 0.031427, 0.24822,
        0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]], [[[0.20179, 0.005194, 0.000371, 0.780249,
        0.012396, 0.0], [0.002444, 0.135072, 0.10532, 0.076161, 0.681002, 0.0], [0.0, 0.0, 0.0,
        0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], [[0.000612, 0.016526, 0.013818, 0.000991,
        0.968053, 0.0], [0.376213, 0.060256, 0.027464, 0.229656, 0.306411, 0.0], [0.0, 0.0, 0.0,
        0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]]],
    'mha_tensor_masks_out_mask': [[1, 1, 1, 0], [1, 1, 0, 0]],
    'mha_value_mask': [[[0.549693, -0.38896, 0.415679, 0.697236, 0.903022], [-0.131987, -1.763321,
        0.276874, 0.711488, -0.586601], [0.294618, -1.197026, 0.526474, 0.820358, 0.07999],
        [0.249237, -0.665926, 0.259085, 0.76699, 0.498523]], [[-1.834307, -0.596723, -0.209636,
        1.116674, -0.332138], [-0.127024, -0.865005, 0.422882, 0.746962, 0.01426], [-1.478968,
        -0.911904, 0.381937, 1.482805, -0.459545], [-0.770759, -0.768154, 0.344698, 1.363324,
        -0.405117]]],
    'mha_axes2': [[[[-0.543209, -0.085906, 0.566741, -0.709134, 1.177329], [-0.542936, 0.056865,
        0.58616, -0.720222, 1.376778], [-0.631076, 1.621414, 0.676345, -0.089873, 0.327965],
        [-0.661252, 1.579257, 0.710182, -0.107647, 0.483099]], [[0.330078, 0.222892, 0.32557,
        -0.924705, 0.695765], [0.705477, 0.827243, 0.474273, -0.992523, 0.873757], [1.377753,
        1.915442, 0.996576, -0.782014, 2.167075], [0.017156, 1.009878, 0.603077, -0.784459,
        1.157015]], [[0.675604, 0.672454, 0.682944, -1.133781, 2.069049], [-0.123238, -0.191739,
        0.342355, -1.100363, 1.440779], [-0.271718, -0.38653, 0.26679, -1.070882, 1.229034],
        [0.460491, 0.655333, 0.729358, -0.885734, 1.747112]]], [[[1.092656, 1.585234, 0.721641,
        -0.923335, 1.118164], [1.843569, -0.489449, 0.999485, -0.269169, 0.282484], [0.473783,
        2.251987, -0.184365, -2.304283, 1.980061], [0.954225, 2.218109, 1.639027, -0.057887,
        3.563396]], [[-0.304831, 3.29587, 0.750903, -0.291647, 0.8123], [0.526371, -0.667074,
        0.579014, -0.930896, 1.185473], [0.038672, -0.672027, 0.537589, -0.862287, 1.177385],
        [0.056009, 3.325649, 0.845181, -0.199517, 0.723938]], [[-0.993604, 0.947003, 0.319613,
        -0.765262, 1.331827], [-0.880035, 0.642334, 0.407337, -0.66387, 1.330312], [-0.846325,
        1.000747, 0.408367, -0.664001, 1.290714], [0.449362, 0.688001, 1.111505, 0.20578,
        0.859244]]]],
    'mha_axes12': [[[[0.672439, 0.564409, 1.075742, 0.995756, 0.218916], [0.140946, 0.882364,
        1.337232, 0.715346, 0.258951], [0.19695, 0.899067, 1.35206, 0.726426, 0.260602], [0.241598,
        0.998129, 1.523211, 0.614248, 0.326444]], [[0.32322, 0.830682, 1.308491, 0.780972,
        0.262348], [-0.046492, 1.288686, 1.563043, 0.607406, 0.221358], [0.232354, 0.848221,
        1.672645, 0.39952, 0.494846], [0.421783, 0.674302, 1.026221, 1.018005, 0.143488]],
        [[0.17159, 1.107779, 1.523263, 0.637732, 0.275545], [0.371713, 0.756716, 1.23768, 0.831414,
        0.247089], [0.403615, 0.859287, 1.335499, 0.794073, 0.26697], [0.290871, 0.925718,
        1.349252, 0.762902, 0.239162]]], [[[0.021353, 1.047596, 1.191849, 0.893873, 0.089745],
        [-0.005174, 0.862495, 1.028979, 0.973252, 0.074055], [0.230833, 0.903229, 1.331799,
        0.770554, 0.253459], [0.100433, 0.932917, 1.156726, 0.904343, 0.118716]], [[0.123649,
        0.98184, 1.300587, 0.801862, 0.198605], [-0.306994, 1.696754, 1.472919, 0.789306,
        -0.023521], [0.015778, 1.073344, 1.239736, 0.853582, 0.107634], [-0.093078, 1.434888,
        1.654758, 0.583092, 0.228044]], [[0.19514, 0.858225, 1.161776, 0.904708, 0.160814],
        [0.136272, 0.898437, 1.136796, 0.922285, 0.122349], [-0.557677, 2.036812, 1.898254,
        0.454516, 0.116071], [0.021718, 0.899211, 1.075952, 0.949832, 0.086426]]]],
    'mha_axes12_scores_shape': [2, 2, 3, 4, 3, 4],
    'mha_axes12_scores_00': [[[[0.135335, 0.079184, 0.057983, 0.078548], [0.078238, 0.11081,
        0.044162, 0.100825], [0.070504, 0.057229, 0.116095, 0.071087]], [[0.06523, 0.179871,
        0.071166, 0.061275], [0.053357, 0.106525, 0.093494, 0.074115], [0.094352, 0.05217,
        0.032948, 0.115497]], [[0.03635, 0.086441, 0.114481, 0.074601], [0.073489, 0.051049,
        0.171557, 0.054922], [0.091848, 0.111312, 0.040372, 0.093578]], [[0.010226, 0.060895,
        0.137705, 0.053334], [0.052903, 0.020224, 0.329037, 0.025589], [0.078997, 0.136967,
        0.014781, 0.079342]]], [[[0.0241, 0.035701, 0.136813, 0.080141], [0.089469, 0.025698,
        0.199623, 0.041002], [0.073407, 0.176732, 0.055143, 0.062171]], [[0.04015, 0.156225,
        0.092402, 0.061864], [0.055065, 0.073451, 0.149341, 0.058357], [0.099065, 0.071426,
        0.025474, 0.117181]], [[0.000313, 0.050526, 0.079956, 0.009033], [0.007376, 0.002506,
        0.710338, 0.002517], [0.036597, 0.052124, 0.00027, 0.048444]], [[0.103236, 0.033403,
        0.073277, 0.092719], [0.10562, 0.060921, 0.052007, 0.083543], [0.059514, 0.098034,
        0.188494, 0.049232]]], [[[0.045156, 0.26205, 0.062812, 0.04609], [0.03689, 0.104287,
        0.103734, 0.059274], [0.09483, 0.038146, 0.015502, 0.131229]], [[0.053675, 0.072224,
        0.105067, 0.083918], [0.085754, 0.05907, 0.126181, 0.066901], [0.086435, 0.110669,
        0.066528, 0.083578]], [[0.008499, 0.008112, 0.150319, 0.067621], [0.089738, 0.006718,
        0.235091, 0.019074], [0.043089, 0.287968, 0.055528, 0.028244]], [[0.126367, 0.206553,
        0.0372, 0.04931], [0.040832, 0.175961, 0.034686, 0.093969], [0.073456, 0.024199, 0.040316,
        0.097153]]]],
    'mha_gate_window': [[[0.852997, -0.946803, 1.988204, -0.360317, 0.170455], [0.345956,
        -0.375883, 1.163247, -0.309113, 1.196383], [0.131543, -0.546179, 1.444139, -0.3063,
        0.854875], [0.404216, -0.584425, 1.448348, -0.472601, 0.486077]], [[0.064502, -1.42167,
        3.025871, -0.085962, -0.077491], [-1.414672, 0.051684, 0.901187, -2.422081, -3.771007],
        [-0.041971, -0.119074, 0.896603, -1.071315, -0.459343], [1.204684, -0.698219, 1.519804,
        0.903598, 3.44439]]],
    'mha_gate_weight_names': ['query/kernel', 'query/bias', 'key/kernel', 'key/bias',
        'gate/kernel', 'gate/bias', 'value/kernel', 'value/bias', 'attention_output/kernel',
        'attention_output/bias'],
}

KERAS_CONFIGS = {
    "Attention": {"name": "x", "trainable": True, "dtype": POLICY, "use_scale": True,
                  "score_mode": "concat", "dropout": 0.1, "seed": 3},
    "AdditiveAttention": {"name": "x", "trainable": True, "dtype": POLICY, "use_scale": False,
                          "dropout": 0.2, "seed": None},
    "MultiHeadAttention": {
        "name": "x", "trainable": True, "dtype": POLICY, "num_heads": 2, "key_dim": 3,
        "value_dim": 4, "dropout": 0.1, "use_bias": False, "use_gate": False, "output_shape": [7],
        "attention_axes": [-2], "sliding_window": None,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "HeNormal",
                               "config": {"seed": None, "input_axes": None, "output_axes": None},
                               "registered_name": None},
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                             "registered_name": None},
        "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2",
                               "config": {"l2": 0.01}, "registered_name": None},
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": {"module": "keras.constraints", "class_name": "NonNeg", "config": {},
                            "registered_name": None},
        "seed": 5},
}


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def draw(seed, shape, scale=1.0):
    """The same float32 numbers the reference script drew."""
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype("float32")


def close(actual, name, atol=2e-5):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(KERAS[name]), atol=atol, rtol=1e-4)


def with_mask(array, mask):
    tensor = Tensor(array)
    tensor._keras_mask = Tensor(np.asarray(mask, bool))
    return tensor


def set_mha_weights(layer, seed):
    layer.set_weights([draw(seed + i, tuple(w.shape), 0.5) for i, w in enumerate(layer.weights)])


def check_gradients(fn, inputs, layer, h=1e-5):
    """Largest relative error of autodiff against central differences, for every input array
    and every trainable weight of `layer`; fn(*tensors) -> Tensor. Gradients below 1e-3 count
    as zero (the key bias's gradient is exactly 0: softmax ignores a shift shared by all keys).
    A seeded `seed_generator` is restored before each evaluation so dropout draws the same mask."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    state = layer.seed_generator.state

    def evaluate(*tensors):
        layer.seed_generator.state = state
        return fn(*tensors)

    weights = list(layer.trainable_weights)
    projection = np.random.default_rng(0).standard_normal(evaluate(*map(Tensor, arrays)).shape)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    analytic = gradients((evaluate(*tensors) * projection).sum(), tensors + weights)

    def scalar():
        return float((evaluate(*map(Tensor, arrays)).data * projection).sum())

    numeric = [numerical_gradient(lambda _: scalar(), a, h) for a in arrays]
    numeric += [numerical_gradient(lambda _: scalar(), w.data, h) for w in weights]
    worst = 0.0
    for a, n in zip(analytic, numeric):
        scale = max(np.abs(n).max(initial=0), np.abs(a).max(initial=0), 1e-3)
        worst = max(worst, float(np.abs(a - n).max(initial=0) / scale))
    return worst


Q, V, K, V3 = draw(10, (2, 3, 4)), draw(11, (2, 5, 4)), draw(12, (2, 5, 4)), draw(13, (2, 5, 3))
QQ = draw(14, (2, 4, 4))
Q_MASK = np.array([[1, 1, 0], [1, 0, 1]], bool)
V_MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
MQ, MV, MK = draw(20, (2, 4, 5)), draw(21, (2, 6, 5)), draw(22, (2, 6, 3))
X4 = draw(23, (2, 3, 4, 5))


# -- Attention -------------------------------------------------------------------------------
def test_attention_dot_pinned():
    out, scores = Attention()([Q, V], return_attention_scores=True)
    close(out, "att_dot")
    close(scores, "att_dot_scores")
    assert out.dtype == np.float32


def test_attention_scale_and_separate_key_pinned():
    layer = Attention(use_scale=True)
    layer.build([Q.shape, V3.shape, K.shape])
    layer.set_weights([np.array(0.7, "float32")])
    out, scores = layer([Q, V3, K], return_attention_scores=True)
    close(out, "att_scale_key")
    close(scores, "att_scale_key_scores")
    assert [w.name for w in layer.weights] == ["scale"] and layer.scale.shape == ()


def test_attention_concat_pinned():
    layer = Attention(use_scale=True, score_mode="concat")
    layer.build([Q.shape, V.shape])
    assert [w.name for w in layer.weights] == ["scale", "concat_score_weight"]
    layer.set_weights([np.array(0.8, "float32"), np.array(1.3, "float32")])
    out, scores = layer([Q, V], return_attention_scores=True)
    close(out, "att_concat")
    close(scores, "att_concat_scores")


def test_attention_masks_pinned_and_output_mask():
    out, scores = Attention()([Q, V], mask=[Q_MASK, V_MASK], return_attention_scores=True)
    close(out, "att_masked")
    close(scores, "att_masked_scores")
    np.testing.assert_array_equal(out._keras_mask, KERAS["att_masked_out_mask"])


def test_attention_masks_from_the_input_tensors():
    out = Attention()([with_mask(Q, Q_MASK), with_mask(V, V_MASK)])
    close(out, "att_masked")
    np.testing.assert_array_equal(out._keras_mask, Q_MASK)


def test_attention_causal_pinned():
    layer = Attention()
    out, scores = layer([QQ, QQ], use_causal_mask=True, return_attention_scores=True)
    close(out, "att_causal")
    close(scores, "att_causal_scores")
    assert np.all(np.triu(np.asarray(scores)[0], 1) == 0)
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    close(layer([QQ, QQ], mask=[None, v_mask], use_causal_mask=True), "att_causal_vmask")


def test_embedding_mask_reaches_self_attention():
    embedding = Embedding(6, 4, mask_zero=True)
    embedding.build()
    embedding.set_weights([draw(16, (6, 4))])
    x = embedding(np.array([[1, 2, 0, 5], [3, 4, 1, 0]]))
    out = Attention()([x, x])
    close(out, "emb_att")
    np.testing.assert_array_equal(out._keras_mask, KERAS["emb_att_mask"])


def test_additive_attention_pinned():
    layer = AdditiveAttention()
    layer.build([Q.shape, V.shape])
    assert [(w.name, w.shape) for w in layer.weights] == [("scale", (4,))]
    layer.set_weights([draw(15, (4,))])
    out, scores = layer([Q, V], return_attention_scores=True)
    close(out, "add")
    close(scores, "add_scores")
    close(layer([Q, V3, K], mask=[Q_MASK, V_MASK]), "add_masked_key")
    close(AdditiveAttention(use_scale=False)([QQ, QQ], use_causal_mask=True), "add_noscale_causal")


@pytest.mark.parametrize("kwargs, call", [
    ({}, {}),
    ({"use_scale": True}, {"mask": [Q_MASK, V_MASK]}),
    ({"use_scale": True, "score_mode": "concat"}, {}),
    ({"score_mode": "concat"}, {"mask": [None, V_MASK]}),
])
def test_attention_gradients(float64, kwargs, call):
    layer = Attention(**kwargs)
    layer.build([Q.shape, V3.shape, K.shape])
    if layer.weights:
        layer.set_weights([np.array(0.9), np.array(1.2)][:len(layer.weights)])
    assert check_gradients(lambda q, v, k: layer([q, v, k], **call), [Q, V3, K], layer) < 1e-6


def test_attention_causal_and_dropout_gradients(float64):
    layer = Attention(use_scale=True, dropout=0.3, seed=4)
    fn = lambda q: layer([q, q], use_causal_mask=True, training=True)  # noqa: E731
    assert check_gradients(fn, [QQ], layer) < 1e-6


def test_additive_attention_gradients(float64):
    layer = AdditiveAttention()
    layer.build([Q.shape, V3.shape, K.shape])
    fn = lambda q, v, k: layer([q, v, k], mask=[Q_MASK, V_MASK])  # noqa: E731
    assert check_gradients(fn, [Q, V3, K], layer) < 1e-6
    plain = AdditiveAttention(use_scale=False)
    assert check_gradients(lambda q: plain([q, q], use_causal_mask=True), [QQ], plain) < 1e-6


def test_attention_dropout_only_while_training():
    layer = Attention(dropout=0.5, seed=1)
    inference = layer([Q, V]).numpy()
    np.testing.assert_allclose(inference, Attention()([Q, V]).numpy())
    trained = layer([Q, V], training=True).numpy()
    assert not np.allclose(trained, inference)
    again = Attention(dropout=0.5, seed=1)([Q, V], training=True).numpy()
    np.testing.assert_array_equal(again, trained)


def test_attention_bad_input():
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        Attention()(Q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        Attention()([Q])
    with pytest.raises(ValueError, match="mask must be a list"):
        Attention()([Q, V], mask=Q_MASK)
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="add")
    with pytest.raises(ValueError, match="same last dimension"):
        Attention()([Q, V3])
    with pytest.raises(ValueError, match="same number of steps"):
        Attention()([Q, V, draw(1, (2, 4, 4))])
    with pytest.raises(ValueError, match="dropout"):
        Attention(dropout=1.5)


@pytest.mark.parametrize("cls, kwargs", [
    (Attention, {"use_scale": True, "score_mode": "concat", "dropout": 0.1, "seed": 3}),
    (AdditiveAttention, {"use_scale": False, "dropout": 0.2}),
    (MultiHeadAttention, {"num_heads": 2, "key_dim": 3, "value_dim": 4, "dropout": 0.1,
                          "use_bias": False, "output_shape": 7, "attention_axes": -2,
                          "kernel_initializer": "he_normal", "kernel_regularizer": "l2",
                          "bias_constraint": "non_neg", "seed": 5}),
])
def test_configs_match_keras_and_round_trip(cls, kwargs):
    layer = cls(**kwargs, name="x")
    config = json.loads(json.dumps(layer.get_config()))
    assert config == KERAS_CONFIGS[cls.__name__]
    again = cls.from_config(layer.get_config())
    assert json.loads(json.dumps(again.get_config())) == config


def test_default_configs():
    assert Attention().get_config()["use_scale"] is False
    assert Attention().get_config()["score_mode"] == "dot"
    additive = AdditiveAttention().get_config()
    assert additive["use_scale"] is True and "score_mode" not in additive
    mha = MultiHeadAttention(2, 4).get_config()
    assert mha["value_dim"] == 4 and mha["dropout"] == 0.0 and mha["use_bias"] is True
    assert mha["attention_axes"] is None and mha["output_shape"] is None
    assert mha["kernel_initializer"]["class_name"] == "GlorotUniform"


# -- MultiHeadAttention ----------------------------------------------------------------------
def test_mha_weights_names_shapes_and_order():
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    layer(MQ, MV)
    assert [(w.path, w.shape) for w in layer.weights] == [
        (f"{layer.name}/query/kernel", (5, 2, 3)), (f"{layer.name}/query/bias", (2, 3)),
        (f"{layer.name}/key/kernel", (5, 2, 3)), (f"{layer.name}/key/bias", (2, 3)),
        (f"{layer.name}/value/kernel", (5, 2, 3)), (f"{layer.name}/value/bias", (2, 3)),
        (f"{layer.name}/attention_output/kernel", (2, 3, 5)),
        (f"{layer.name}/attention_output/bias", (5,))]
    assert layer.get_config()["attention_axes"] == (1,)
    gated = MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True, sliding_window=2)
    gated.build(MQ.shape, MQ.shape)
    assert [w.path.split("/", 1)[1] for w in gated.weights] == KERAS["mha_gate_weight_names"]
    shaped = MultiHeadAttention(2, 3, value_dim=4, output_shape=(2, 3), use_bias=False)
    shaped.build(MQ.shape, MV.shape, MK.shape)
    assert [w.shape for w in shaped.weights] == [(5, 2, 3), (3, 2, 3), (5, 2, 4), (2, 4, 2, 3)]


def test_mha_pinned():
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    layer.build(MQ.shape, MV.shape)
    set_mha_weights(layer, 100)
    out, scores = layer(MQ, MV, return_attention_scores=True)
    close(out, "mha")
    close(scores, "mha_scores")
    close(layer(MQ, MV), "mha_fused")
    assert out.shape == (2, 4, 5) and scores.shape == (2, 2, 4, 6)


def test_mha_key_value_dim_output_shape_no_bias_pinned():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, output_shape=(3,),
                               use_bias=False)
    layer.build(MQ.shape, MV.shape, MK.shape)
    set_mha_weights(layer, 200)
    close(layer(MQ, MV, MK), "mha_key_vdim_out")


def test_mha_causal_and_attention_mask_pinned():
    layer = MultiHeadAttention(num_heads=3, key_dim=2)
    layer.build(MQ.shape, MQ.shape)
    set_mha_weights(layer, 300)
    attention_mask = np.ones((2, 4, 4), bool)
    attention_mask[0, :, 3] = False
    attention_mask[1, 2, 0] = False
    out, scores = layer(MQ, MQ, attention_mask=attention_mask, use_causal_mask=True,
                        return_attention_scores=True)
    close(out, "mha_causal_amask")
    close(scores, "mha_causal_amask_scores")
    close(layer(MQ, MQ, use_causal_mask=True), "mha_causal_only")


def test_mha_masks_from_tensors_pinned():
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    layer.build(MQ.shape, MV.shape)
    set_mha_weights(layer, 100)
    v_mask = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 0]], bool)
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    query = with_mask(MQ, q_mask)
    out, scores = layer(query, with_mask(MV, v_mask), return_attention_scores=True)
    close(out, "mha_tensor_masks")
    close(scores, "mha_tensor_masks_scores")
    np.testing.assert_array_equal(out._keras_mask, KERAS["mha_tensor_masks_out_mask"])
    assert query._keras_mask is not None  # the input keeps its mask (Keras clears it)
    close(layer(MQ, MV, value_mask=v_mask), "mha_value_mask")
    # An explicit query_mask is used when the query carries no mask (Keras 3.15 ignores it).
    explicit = layer(MQ, with_mask(MV, v_mask), query_mask=q_mask, return_attention_scores=True)
    close(explicit[0], "mha_tensor_masks")


def test_mha_attention_axes_pinned():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,))
    layer.build(X4.shape, X4.shape)
    set_mha_weights(layer, 400)
    out, scores = layer(X4, X4, return_attention_scores=True)
    close(out, "mha_axes2")
    assert scores.shape == (2, 3, 2, 4, 4)
    layer = MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))
    layer.build(X4.shape, X4.shape)
    set_mha_weights(layer, 500)
    out, scores = layer(X4, X4, return_attention_scores=True)
    close(out, "mha_axes12")
    assert list(scores.shape) == KERAS["mha_axes12_scores_shape"]
    close(scores[0, 0], "mha_axes12_scores_00")
    np.testing.assert_allclose(scores.numpy().sum(axis=(-2, -1)), 1, rtol=1e-5)


def test_mha_gate_and_sliding_window_pinned():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True, sliding_window=2)
    layer.build(MQ.shape, MQ.shape)
    set_mha_weights(layer, 600)
    close(layer(MQ, MQ, use_causal_mask=True), "mha_gate_window")


@pytest.mark.parametrize("kwargs, call", [
    ({}, {}),
    ({"value_dim": 2, "output_shape": (2, 2), "use_bias": False}, {"key": True}),
    ({"use_gate": True}, {"use_causal_mask": True, "query_mask": np.array([[1, 1, 1, 0],
                                                                           [1, 1, 0, 0]], bool)}),
    ({"dropout": 0.3, "seed": 2}, {"training": True,
                                   "value_mask": np.array([[1, 1, 1, 1, 0, 0],
                                                           [1, 1, 1, 1, 1, 0]], bool)}),
])
def test_mha_gradients(float64, kwargs, call):
    layer = MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    call = dict(call)
    with_key = call.pop("key", False)
    value = MV if "use_causal_mask" not in call else MQ
    layer.build(MQ.shape, value.shape, MK.shape if with_key else None)
    set_mha_weights(layer, 700)
    if with_key:
        fn = lambda q, v, k: layer(q, v, k, **call)  # noqa: E731
        inputs = [MQ, value, MK]
    else:
        fn = lambda q, v: layer(q, v, **call)  # noqa: E731
        inputs = [MQ, value]
    assert check_gradients(fn, inputs, layer) < 1e-6


def test_mha_attention_axes_gradients(float64):
    layer = MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))
    x = draw(30, (1, 2, 3, 3))
    layer.build(x.shape, x.shape)
    set_mha_weights(layer, 800)
    assert check_gradients(lambda a: layer(a, a), [x], layer) < 1e-6


def test_mha_regularizers_and_symbolic_call():
    layer = MultiHeadAttention(2, 3, kernel_regularizer="l2", activity_regularizer="l1")
    layer(MQ, MV)
    assert len(layer.losses) == 4 + 4  # 4 kernels, 4 projection outputs (as Keras's sublayers)
    from minikeras.layers import Input
    query, value = Input((4, 5)), Input((6, 5))
    out, scores = MultiHeadAttention(2, 3, output_shape=8)(query, value,
                                                           return_attention_scores=True)
    assert out.shape == (None, 4, 8) and scores.shape == (None, 2, 4, 6)


def test_mha_bad_input():
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match="key_dim"):
        MultiHeadAttention(2, "3")
    with pytest.raises(ValueError, match="value` is missing"):
        MultiHeadAttention(2, 3)(MQ)
    with pytest.raises(ValueError, match="except the last one"):
        MultiHeadAttention(2, 3)(MQ, MV, draw(1, (2, 5, 3)))
    with pytest.raises(ValueError, match="does not broadcast"):
        MultiHeadAttention(2, 3)(MQ, MV, attention_mask=np.ones((2, 4, 5), bool))
