"""AdamW: `keras.optimizers.AdamW`, Adam with decoupled weight decay on by default."""
from minikeras.optimizers.adam import Adam
from minikeras.optimizers.base_optimizer import _check_number


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as Keras 3 computes it.

    Per variable w with gradient g, at step t = iterations + 1, learning rate lr:

        w *= 1 - lr * weight_decay               decay first, apart from the gradient
        m += (g - m) * (1 - beta_1)              first moment   ("<var>_momentum")
        v += (g*g - v) * (1 - beta_2)            second moment  ("<var>_velocity")
        v_hat = max(v_hat, v); use v_hat for v   only with amsgrad ("<var>_velocity_hat")
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)        (float32, as in Keras)
        w -= alpha * m / (sqrt(v) + epsilon)

    The decay is the base optimizer's `weight_decay` step (so `exclude_from_weight_decay`
    works here too); the rest is exactly `Adam`. Unlike every other optimizer, `weight_decay`
    defaults to 0.004 and may not be None. Keras auto-names it "adam_w".
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        # Checked here first so that a bad value is reported as AdamW's, not Adam's.
        _check_number("AdamW", "weight_decay", weight_decay, low=0)
        _check_number("AdamW", "beta_1", beta_1, low=0, high=1)
        _check_number("AdamW", "beta_2", beta_2, low=0, high=1)
        _check_number("AdamW", "epsilon", epsilon, low=0)
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
