#!/usr/bin/env python3
"""Reference trajectories for Backprop's optimizers, from PyTorch's documented update rules, in float64.

Each rule is written out here as the algorithm box of its torch.optim page states it (AdamW, RMSprop, Adagrad,
Rprop; maximize off, no amsgrad, no centering, no lr decay), independently of the Swift code, and stepped over one
fixed parameter vector and one fixed sequence of gradients. The gradients are chosen so that Rprop meets every
branch: a sign that holds (the step grows), a sign that flips (the step shrinks and no move is made), a zero
gradient, a zero previous gradient after a flip, and both step-size bounds.

    python3 Scripts/optimizer-reference.py > Tests/BackpropTestSupport/Fixtures/optimizer-trajectories.json

Needs NumPy only. The output is the fixture checked into the tests, byte for byte.
"""

import json

import numpy as np

W0 = [0.5, -1.0, 2.0, -0.25]
GRADIENTS = [
    [0.3, -1.2, 0.05, 0.0],
    [0.1, 0.4, 0.02, -0.7],
    [-0.25, 0.9, 0.03, -0.5],
    [0.2, 0.8, -0.01, 0.6],
    [0.15, -0.3, 0.04, 0.2],
]


def adamw(w, gradients, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """torch.optim.AdamW: θ ← θ − γλθ; m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
    m̂ = m/(1−β1ᵗ); v̂ = v/(1−β2ᵗ); θ ← θ − γ m̂/(√v̂ + ε)."""
    b1, b2 = betas
    theta = np.array(w, dtype=np.float64)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    trajectory = []
    for t, g in enumerate(gradients, start=1):
        g = np.array(g, dtype=np.float64)
        theta = theta - lr * weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(theta.tolist())
    return trajectory, {"m": m.tolist(), "v": v.tolist()}


def rmsprop(w, gradients, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0):
    """torch.optim.RMSprop (not centered): v ← α v + (1−α) g²; with μ > 0, b ← μ b + g/(√v + ε) and θ ← θ − γ b,
    else θ ← θ − γ g/(√v + ε)."""
    theta = np.array(w, dtype=np.float64)
    v = np.zeros_like(theta)
    b = np.zeros_like(theta)
    trajectory = []
    for g in gradients:
        g = np.array(g, dtype=np.float64)
        v = alpha * v + (1 - alpha) * g * g
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v) + eps)
        trajectory.append(theta.tolist())
    state = {"v": v.tolist()}
    if momentum > 0:
        state["velocity"] = b.tolist()
    return trajectory, state


def adagrad(w, gradients, lr=1e-2, eps=1e-10):
    """torch.optim.Adagrad (lr_decay 0, initial accumulator 0): s ← s + g²; θ ← θ − γ g/(√s + ε)."""
    theta = np.array(w, dtype=np.float64)
    s = np.zeros_like(theta)
    trajectory = []
    for g in gradients:
        g = np.array(g, dtype=np.float64)
        s = s + g * g
        theta = theta - lr * g / (np.sqrt(s) + eps)
        trajectory.append(theta.tolist())
    return trajectory, {"sum": s.tolist()}


def rprop(w, gradients, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0)):
    """torch.optim.Rprop, element by element as its algorithm box states it: with g_prev = 0 and η_prev = lr at
    first, if g_prev·g > 0 then η ← min(η·η+, Γmax); if g_prev·g < 0 then η ← max(η·η−, Γmin) and g ← 0; else η
    stays. θ ← θ − η·sign(g); g_prev ← g."""
    eta_minus, eta_plus = etas
    step_min, step_max = step_sizes
    theta = [float(x) for x in w]
    previous = [0.0] * len(theta)
    # The implementation clamps the initial step as it clamps every step (step_size.mul_(1).clamp_ at t = 1).
    size = [min(max(lr, step_min), step_max)] * len(theta)
    trajectory = []
    for gradient in gradients:
        for i, g in enumerate(gradient):
            product = previous[i] * g
            if product > 0:
                size[i] = min(size[i] * eta_plus, step_max)
            elif product < 0:
                size[i] = max(size[i] * eta_minus, step_min)
                g = 0.0
            theta[i] -= size[i] * float(np.sign(g))
            previous[i] = g
        trajectory.append(list(theta))
    return trajectory, {"previous_gradient": list(previous), "step_size": list(size)}


def case(name, rule, optimizer, hyperparameters):
    trajectory, state = rule(W0, GRADIENTS, **hyperparameters)
    return {"name": name, "optimizer": optimizer, "hyperparameters": hyperparameters, "trajectory": trajectory,
            "state": state}


def main():
    cases = [
        case("adamw", adamw, "adamw", {"lr": 0.01, "weight_decay": 0.1}),
        case("adamw-defaults", adamw, "adamw", {"lr": 1e-3, "weight_decay": 1e-2}),
        case("rmsprop", rmsprop, "rmsprop", {"lr": 0.01, "alpha": 0.9}),
        case("rmsprop-momentum", rmsprop, "rmsprop", {"lr": 0.01, "alpha": 0.99, "momentum": 0.9}),
        case("adagrad", adagrad, "adagrad", {"lr": 0.1, "eps": 1e-10}),
        case("rprop", rprop, "rprop", {"lr": 0.05, "etas": [0.5, 1.2], "step_sizes": [1e-6, 50.0]}),
        # Tight bounds: the growth stops at Γmax and the shrinking at Γmin.
        case("rprop-bounded", rprop, "rprop", {"lr": 0.05, "etas": [0.5, 1.2], "step_sizes": [0.03, 0.065]}),
    ]
    document = {
        "about": "Scripts/optimizer-reference.py: PyTorch's documented update rules in NumPy float64. "
                 "trajectory[k] is the parameter vector after step k + 1; state is each slot after the last step.",
        "w0": W0,
        "gradients": GRADIENTS,
        "cases": cases,
    }
    print(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
