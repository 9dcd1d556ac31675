"""flash_attn_func as torch custom ops, for torch.compile and CUDA graphs.

``flashtile::attention_fwd`` and ``flashtile::attention_bwd`` are registered
with ``torch.library.custom_op`` on first use, with ``register_fake`` (shapes
and dtypes without running anything) and ``register_autograd`` (the forward's
backward is the second op). :func:`flashtile.flash_attn_func` calls them while
torch.compile traces it, so ``torch.compile(fullgraph=True)`` of a block that
calls flash_attn_func compiles with no graph break; eager calls keep the
direct launch path (a custom op's dispatch costs host time). The ops launch on
the current stream, so CUDA graph capture and replay work once the kernels
have been compiled and tuned by a warm-up call.
"""

# No `from __future__ import annotations`: torch.library.custom_op infers
# the ops' schemas from their annotations, which must be real types here.
from typing import Any, Optional, Tuple

__all__ = ["attention", "register"]

_OPS: Any = None
#: Why registering the ops failed at import, if it did (eager calls do not
#: need them; a traced call reports it).
REGISTRATION_ERROR: Optional[BaseException] = None


def register() -> None:
    """Registers the custom ops (done when flashtile is imported after torch,
    or on flashtile's first eager call: torch.compile cannot trace the
    registration itself)."""
    _ops()


def _ops() -> Any:
    """(forward op, backward op), registered on first use."""
    global _OPS
    if _OPS is not None:
        return _OPS
    import torch

    if torch.compiler.is_compiling():
        raise RuntimeError("flashtile's torch custom ops are not registered yet and cannot be "
                           "while torch.compile traces: import torch before flashtile, or call "
                           "flashtile.torch_ops.register() before compiling"
                           + (f" (registering failed: {REGISTRATION_ERROR!r})"
                              if REGISTRATION_ERROR else ""))

    from .attention import Variant, _backward, _forward, _Options

    Tensor = torch.Tensor

    def options(q: Tensor, alibi: Optional[Tensor], causal: bool, window: bool, left: int,
                right: int, softcap: float) -> _Options:
        stride = alibi.stride(0) if alibi is not None and alibi.dim() == 2 else 0
        return _Options(Variant(causal, window, left, right, softcap, alibi is not None), alibi,
                        stride)

    @torch.library.custom_op("flashtile::attention_fwd", mutates_args=(), device_types="cuda")
    def attention_fwd(q: Tensor, k: Tensor, v: Tensor, alibi: Optional[Tensor],
                      softmax_scale: Optional[float], causal: bool, window: bool, left: int,
                      right: int, softcap: float, deterministic: bool) -> Tuple[Tensor, Tensor]:
        # `deterministic` is the backward's choice, an input so that autograd keeps it.
        return _forward(q, k, v, softmax_scale,
                        options(q, alibi, causal, window, left, right, softcap))

    @attention_fwd.register_fake
    def _(q, k, v, alibi, softmax_scale, causal, window, left, right, softcap, deterministic):
        return (q.new_empty((*q.shape[:-1], v.shape[-1])),
                q.new_empty((q.shape[0], q.shape[2], q.shape[1]), dtype=torch.float32))

    @torch.library.custom_op("flashtile::attention_bwd", mutates_args=(), device_types="cuda")
    def attention_bwd(dout: Tensor, q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor,
                      alibi: Optional[Tensor], softmax_scale: Optional[float], causal: bool,
                      window: bool, left: int, right: int, softcap: float,
                      deterministic: bool) -> Tuple[Tensor, Tensor, Tensor]:
        return _backward(dout, q, k, v, out, lse, softmax_scale,
                         options(q, alibi, causal, window, left, right, softcap),
                         deterministic=deterministic)

    @attention_bwd.register_fake
    def _(dout, q, k, v, out, lse, alibi, softmax_scale, causal, window, left, right, softcap,
          deterministic):
        return torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)

    def setup_context(ctx, inputs, output):
        q, k, v, alibi, *args = inputs
        ctx.save_for_backward(q, k, v, output[0], output[1], alibi)
        ctx.args = args  # softmax_scale, causal, window, left, right, softcap, deterministic

    def backward(ctx, dout, _dlse):
        q, k, v, out, lse, alibi = ctx.saved_tensors
        dq, dk, dv = attention_bwd(dout.contiguous(), q, k, v, out, lse, alibi, *ctx.args)
        return (dq, dk, dv) + (None,) * 8

    attention_fwd.register_autograd(backward, setup_context=setup_context)
    _OPS = (attention_fwd, attention_bwd)
    return _OPS


def attention(q: Any, k: Any, v: Any, softmax_scale: Optional[float], opts: Any,
              deterministic: bool) -> Tuple[Any, Any]:
    """(out, lse) through the custom ops, for checked inputs and options."""
    forward, _ = _ops()
    var = opts.var
    return forward(q, k, v, opts.alibi, softmax_scale, var.causal, var.window, var.window_left,
                   var.window_right, var.softcap, bool(deterministic))
