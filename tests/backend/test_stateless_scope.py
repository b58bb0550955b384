"""`keras.StatelessScope` / `keras.SymbolicScope`: variables stay untouched inside a stateless
scope while their updates are collected (behaviour checked against Keras 3.15)."""
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.backend.autodiff import Variable
from minikeras.backend.stateless_scope import in_stateless_scope, in_symbolic_scope


def test_mapped_values_are_read_and_updates_collected():
    v = Variable(np.zeros(2), name="v")
    w = Variable(np.zeros(2), name="w")
    with minikeras.StatelessScope([(v, np.ones(2))]) as scope:
        assert in_stateless_scope()
        np.testing.assert_array_equal(v.numpy(), [1, 1])
        v.assign_add(np.ones(2))
        w.assign(np.full(2, 5.0))
        np.testing.assert_array_equal(w.numpy(), [5, 5])
        np.testing.assert_array_equal(scope.get_current_value(v).numpy(), [2, 2])
    assert not in_stateless_scope()
    np.testing.assert_array_equal(v.numpy(), [0, 0])
    np.testing.assert_array_equal(w.numpy(), [0, 0])
    np.testing.assert_array_equal(scope.get_current_value(v).numpy(), [2, 2])
    np.testing.assert_array_equal(scope.get_current_value(w).numpy(), [5, 5])
    assert scope.get_current_value(Variable(np.zeros(1))) is None


def test_a_training_step_leaves_the_model_untouched():
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    model.optimizer.build(model.trainable_variables)
    before = [w.numpy().copy() for w in model.weights]
    variables = model.weights + model.optimizer.variables
    with minikeras.StatelessScope([(v, v.numpy()) for v in variables]) as scope:
        model.train_on_batch(np.ones((4, 3)), np.ones((4, 2)))
    for weight, value in zip(model.weights, before):
        np.testing.assert_array_equal(weight.numpy(), value)
    assert any(not np.array_equal(scope.get_current_value(w).numpy(), value)
               for w, value in zip(model.weights, before))


def test_losses_are_collected_only_when_asked():
    layer = layers.Dense(2, activity_regularizer="l2")
    layer.build((1, 3))
    with minikeras.StatelessScope(collect_losses=True) as scope:
        layer(np.ones((1, 3)))
    assert len(scope.losses) == 1 and layer.losses == []
    with minikeras.StatelessScope() as scope:
        layer(np.ones((1, 3)))
    assert scope.losses == []


def test_bad_mappings():
    v = Variable(np.zeros(2))
    with pytest.raises(ValueError, match="must be Variable instances"):
        minikeras.StatelessScope([(np.zeros(2), np.zeros(2))])
    with pytest.raises(ValueError, match="shape that matches"):
        minikeras.StatelessScope([(v, np.zeros(3))])


def test_symbolic_scope_nests():
    assert not in_symbolic_scope()
    with minikeras.SymbolicScope() as outer:
        with minikeras.SymbolicScope():
            assert in_symbolic_scope()
        assert in_symbolic_scope() and isinstance(outer, minikeras.SymbolicScope)
    assert not in_symbolic_scope()
