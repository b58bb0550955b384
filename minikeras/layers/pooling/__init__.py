"""Pooling layers: windowed (Max/AveragePooling1D/2D/3D), global (Global*Pooling1D/2D/3D) and
adaptive (Adaptive*Pooling1D/2D/3D)."""
from minikeras.layers.pooling.adaptive_pooling import (AdaptiveAveragePooling1D,
                                                       AdaptiveAveragePooling2D,
                                                       AdaptiveAveragePooling3D,
                                                       AdaptiveMaxPooling1D, AdaptiveMaxPooling2D,
                                                       AdaptiveMaxPooling3D)
from minikeras.layers.pooling.average_pooling import (AveragePooling1D, AveragePooling2D,
                                                      AveragePooling3D, AvgPool1D, AvgPool2D,
                                                      AvgPool3D)
from minikeras.layers.pooling.base_global_pooling import BaseGlobalPooling
from minikeras.layers.pooling.base_pooling import BasePooling
from minikeras.layers.pooling.global_average_pooling import (GlobalAveragePooling1D,
                                                             GlobalAveragePooling2D,
                                                             GlobalAveragePooling3D,
                                                             GlobalAvgPool1D, GlobalAvgPool2D,
                                                             GlobalAvgPool3D)
from minikeras.layers.pooling.global_max_pooling import (GlobalMaxPool1D, GlobalMaxPool2D,
                                                         GlobalMaxPool3D, GlobalMaxPooling1D,
                                                         GlobalMaxPooling2D, GlobalMaxPooling3D)
from minikeras.layers.pooling.max_pooling import (MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D,
                                                  MaxPooling2D, MaxPooling3D)

__all__ = ["BasePooling", "BaseGlobalPooling",
           "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
           "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
           "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
           "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]
