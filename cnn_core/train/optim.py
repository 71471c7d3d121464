"""Adam through torch's own fused kernel, without ``torch.optim``.

Every ``torch.optim`` optimizer imports ``torch._dynamo`` (the compiler) the
first time it is built and at its first step, to tell the compiler to leave it
alone: 1.5 s of CPU on the 2-core machine, paid by every process that trains
(each server at its warm-up, each command line, each Ray worker), and more
than that while other processes share the cores. Nothing here compiles.
:class:`FusedAdam` makes exactly the update ``torch.optim.Adam(fused=True)``
makes, through the same kernel (``torch._fused_adam_``), with the same state;
``tests/core/test_training.py`` checks it weight for weight against
``torch.optim.Adam`` and that a training imports no ``torch._dynamo``, so a torch
release that changes the kernel's arguments fails there, by name.
"""

from __future__ import annotations

import torch


class FusedAdam:
    """Adam (no weight decay, no AMSGrad) on parameters of one kind of device that torch's fused kernel serves
    (CPU or CUDA). As a ``torch.optim`` optimizer: ``param_groups[0]["lr"]`` can be changed between steps,
    ``zero_grad(set_to_none=True)``, ``step()``; a parameter without a gradient is left as it is."""

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params = list(params)
        if not self.params:
            raise ValueError("FusedAdam got an empty parameter list")
        self.param_groups = [{"params": self.params, "lr": lr}]
        self.betas, self.eps = betas, eps
        # As torch.optim.Adam(fused=True) keeps them: the step count as a float32 tensor on the parameter's device.
        self.state = {p: {"step": torch.zeros((), dtype=torch.float32, device=p.device),
                          "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                          "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
                      for p in self.params}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        groups: dict[tuple, list[torch.Tensor]] = {}  # the kernel takes tensors of one device and dtype at a time
        for p in self.params:
            if p.grad is not None:
                groups.setdefault((p.device, p.dtype), []).append(p)
        for params in groups.values():
            states = [self.state[p] for p in params]
            steps = [s["step"] for s in states]
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(params, [p.grad for p in params], [s["exp_avg"] for s in states],
                               [s["exp_avg_sq"] for s in states], [], steps, amsgrad=False,
                               lr=self.param_groups[0]["lr"], beta1=self.betas[0], beta2=self.betas[1],
                               weight_decay=0.0, eps=self.eps, maximize=False, grad_scale=None, found_inf=None)
