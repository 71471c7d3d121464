"""The trainer's optimizers, Adam and SGD, without ``torch.optim``.

Every ``torch.optim`` optimizer imports ``torch._dynamo`` (the compiler) the
first time it is built and at its first step, to tell the compiler to leave it
alone: about 1.5 s of CPU on the 2-core machine, and more while other processes
share the cores, in every process that trains: each server (at its warm-up, or
in the middle of a room's trainings for the first SGD run), each Ray worker,
each command line. Nothing here compiles. (Loading a dataset through
torchvision, CIFAR-10 from its official files for one, imports the compiler anyway.)

:class:`FusedAdam` makes exactly the update ``torch.optim.Adam(fused=True)``
makes, through the same kernel (``torch._fused_adam_``) with the same state;
:class:`NesterovSGD` the update of ``torch.optim.SGD(momentum=0.9,
nesterov=True)``, in the same tensor operations. ``tests/app/test_private_apis.py``
checks both weight for weight against ``torch.optim`` (so a torch release that
changes the fused kernel's arguments fails there, by name), and
``tests/core/test_training.py`` that a training imports no ``torch._dynamo``.
"""

from __future__ import annotations

import torch


class _Optimizer:
    """What the trainer uses of a ``torch.optim`` optimizer: ``param_groups[0]["lr"]``, changed between steps by the
    schedule; ``zero_grad()``, which drops the gradients; ``step()``. State is made at a parameter's first step
    with a gradient, as torch makes it: a parameter never given one (frozen) costs nothing, and the state takes
    the device and memory layout the parameter has then."""

    def __init__(self, params, lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError("an optimizer needs at least one parameter")
        self.param_groups = [{"params": self.params, "lr": lr}]
        self.state: dict[torch.Tensor, dict] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        if not set_to_none:
            raise NotImplementedError("the trainer drops gradients; it never zeroes them in place")
        for p in self.params:
            p.grad = None

    def _with_grad(self) -> list[torch.Tensor]:
        return [p for p in self.params if p.grad is not None]


class FusedAdam(_Optimizer):
    """Adam (no weight decay, no AMSGrad) on CPU or CUDA parameters, through torch's fused kernel."""

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        self.betas, self.eps = betas, eps

    @torch.no_grad()
    def step(self) -> None:
        with torch.profiler.record_function("FusedAdam.step"):  # a range of its own per call: trainings run in threads
            self._step()

    def _step(self) -> None:
        groups: dict[tuple, list[torch.Tensor]] = {}  # the kernel takes tensors of one device and dtype at a time
        for p in self._with_grad():
            groups.setdefault((p.device, p.dtype), []).append(p)
        for params in groups.values():
            states = [self.state.get(p) or self._first_state(p) for p in params]
            steps = [s["step"] for s in states]
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(params, [p.grad for p in params], [s["exp_avg"] for s in states],
                               [s["exp_avg_sq"] for s in states], [], steps, amsgrad=False,
                               lr=self.param_groups[0]["lr"], beta1=self.betas[0], beta2=self.betas[1],
                               weight_decay=0.0, eps=self.eps, maximize=False, grad_scale=None, found_inf=None)

    def _first_state(self, p: torch.Tensor) -> dict:
        """As torch.optim.Adam(fused=True) keeps it: the step count a float32 tensor on the parameter's device."""
        state = self.state[p] = {"step": torch.zeros((), dtype=torch.float32, device=p.device),
                                 "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                                 "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        return state


class NesterovSGD(_Optimizer):
    """SGD with Nesterov momentum, no dampening, no weight decay: torch.optim.SGD's one-tensor-at-a-time update."""

    def __init__(self, params, lr: float, momentum: float = 0.9):
        super().__init__(params, lr)
        self.momentum = momentum

    @torch.no_grad()
    def step(self) -> None:
        with torch.profiler.record_function("NesterovSGD.step"):
            self._step()

    def _step(self) -> None:
        lr = self.param_groups[0]["lr"]
        for p in self._with_grad():
            grad = p.grad
            state = self.state.get(p)
            if state is None:  # the first step: the buffer starts as the gradient
                buf = grad.detach().clone()
                self.state[p] = {"momentum_buffer": buf}
            else:
                buf = state["momentum_buffer"]
                buf.mul_(self.momentum).add_(grad, alpha=1)
            p.add_(grad.add(buf, alpha=self.momentum), alpha=-lr)
