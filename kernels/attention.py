"""FlashAttention-2 in the FlashTile DSL: forward and backward.

The kernels follow Algorithms 1 and 2 of FlashAttention-2 (Dao, 2023):

* ``attention_fwd`` — one program per (query block, batch * head). It walks
  over the key/value blocks keeping an *online softmax*: the running row
  maximum ``m_i``, the running row sum ``l_i`` and the unnormalised output
  ``acc``, rescaled whenever the maximum grows. It writes O and the
  log-sum-exp L that the backward pass needs.
* ``attention_bwd_preprocess`` — ``delta_i = rowsum(dO_i * O_i)``.
* ``attention_bwd_dkdv`` — one program per key block: loops over the query
  blocks, recomputes P from L, accumulates dV and dK.
* ``attention_bwd_dq`` — one program per query block: loops over the key
  blocks and accumulates dQ (a separate pass, so no atomics are needed:
  ``deterministic=True``). By default dK/dV adds dQ with float32 atomics
  instead (``DQ_ATOMIC``) and ``attention_bwd_dq_convert`` scales and casts
  the sums.

Layout: q, k, v, o, do, dq, dk, dv are (batch, seqlen, nheads, headdim) as in
flash-attn, addressed through their batch/sequence/head strides (the head
dimension is contiguous); k, v, dk, dv have nheads / head_ratio heads (MQA
and GQA: query head h reads key/value head h // head_ratio, and dK/dV sum
over the group); v, o, do and dv may have a head dim of their own,
HEAD_DIM_V (0: HEAD_DIM). L and delta are (batch, nheads, seqlen_q) float32.
``VARLEN`` packs the batch (flash-attn's varlen interface): sequence b is
tokens [cu_seqlens[b], cu_seqlens[b + 1]) of (total, nheads, headdim)
tensors passed with batch strides 0, each sequence masked and aligned on
its own, and L and delta are (nheads, total_q).
Scores are kept in log2 units: ``log2(e)`` is folded into the softmax scale so
that ``exp2`` computes the exponentials. Variants, each a constexpr flag so
that the plain kernel pays nothing for them: ``CAUSAL`` masks bottom-right
aligned like flash-attn >= 2.1 (query i attends to keys j <= i + seqlen_k -
seqlen_q); ``WINDOW`` is a sliding window around that diagonal (a causal
window is WINDOW with window_right = 0); ``SOFTCAP`` caps the scores with
softcap * tanh(S / softcap); ``ALIBI`` subtracts slope * |i + seqlen_k -
seqlen_q - j| with a slope per head (or per batch and head). A query that
sees no key at all gets O = 0 and L = +inf (and so no gradient). The head
dimension HEAD_DIM (8..256) is padded to a power of two BLOCK_D (at least
16) with masks. The host side (grids, strides, block sizes) is
flashtile.attention; the numpy references are in flashtile.reference.
"""

import flashtile
import flashtile.language as fl

LOG2E = 1.4426950408889634  # log2(e): exp(x) == exp2(x * LOG2E)
LN2 = 0.6931471805599453  # ln(2): converts log2-unit sums back to natural log
INF = float("inf")


# ---------------------------------------------------------------------------
# Tiles of the (seqlen, headdim) matrix of one (batch, head)
# ---------------------------------------------------------------------------


def load_tile(base, rows, cols, stride_row, n_rows, n_cols):
    """The [rows, cols] tile of a row-major matrix with row stride
    `stride_row`; zero outside its n_rows x n_cols extent."""
    mask = (rows[:, None] < n_rows) & (cols[None, :] < n_cols)
    return fl.load(base + rows[:, None] * stride_row + cols[None, :], mask=mask, other=0.0)


def store_tile(base, rows, cols, stride_row, n_rows, n_cols, value):
    """Stores `value` into the [rows, cols] tile, inside n_rows x n_cols only."""
    mask = (rows[:, None] < n_rows) & (cols[None, :] < n_cols)
    fl.store(base + rows[:, None] * stride_row + cols[None, :], value, mask=mask)


def mm(a, b, acc=None):
    """a @ b (+ acc). f32 operands are multiplied in full precision (ieee, not
    tf32), so float32 attention is as accurate as the float32 reference."""
    if a.dtype == fl.float32:
        result = fl.dot(a, b, acc, input_precision="ieee")
    else:
        result = fl.dot(a, b, acc)
    return result


# ---------------------------------------------------------------------------
# Masks and scores
#
# Which keys a query sees is described by a tuple
#     sees = (seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right):
# query i and key j exist (i < seqlen_q, j < seqlen_k); measured from the
# query's diagonal d = i + seqlen_k - seqlen_q (bottom-right alignment, as
# flash-attn >= 2.1), causal keeps j <= d and a sliding window keeps
# d - window_left <= j <= d + window_right (the host passes seqlen_k for an
# unbounded side, and window_right = 0 for a causal window).
#
# How scores are formed is described by
#     scoring = (qk_scale, SOFTCAP, softcap_scale, ALIBI, slope):
# S = Q K^T * scale, or softcap * tanh(Q K^T * scale / softcap), minus
# ALiBi's slope * |d - j|; kept in log2 units (times log2(e)), so that
# qk_scale = scale * log2(e), softcap_scale = scale / softcap and the
# slope arrives multiplied by log2(e).
# ---------------------------------------------------------------------------


def visible(rows, cols, sees):
    """Which (query, key) pairs of the block are visible."""
    seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right = sees
    mask = (rows[:, None] < seqlen_q) & (cols[None, :] < seqlen_k)
    diagonal = rows[:, None] + (seqlen_k - seqlen_q)
    if CAUSAL:
        mask = mask & (cols[None, :] <= diagonal)
    if WINDOW:
        mask = mask & (cols[None, :] >= diagonal - window_left) & (cols[None, :] <= diagonal + window_right)
    return mask


def key_range(start_m, sees, BLOCK_M, BLOCK_N):
    """[begin, end) of the keys that query block `start_m` can see; begin
    is a multiple of BLOCK_N."""
    seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right = sees
    fl.static_assert(not (CAUSAL and WINDOW), "a causal window is WINDOW with window_right = 0")
    first_diagonal = start_m * BLOCK_M + seqlen_k - seqlen_q  # of the block's first query
    begin = 0
    end = seqlen_k
    if CAUSAL:
        end = fl.minimum(seqlen_k, first_diagonal + BLOCK_M)
    if WINDOW:
        begin = fl.maximum(0, first_diagonal - window_left) // BLOCK_N * BLOCK_N
        end = fl.minimum(seqlen_k, first_diagonal + BLOCK_M + window_right)
    return begin, end


def unmasked_key_range(start_m, sees, BLOCK_M, BLOCK_N):
    """[begin, end) of the key blocks (starting at multiples of BLOCK_N)
    that every query of block `start_m` sees whole: in range, not past the
    first query's diagonal (+ window_right) and, with a window, not before
    the last query's diagonal - window_left. These interior blocks need no
    mask; the rest (the diagonal, the window's edges, the ragged last
    block) do."""
    seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right = sees
    first_diagonal = start_m * BLOCK_M + seqlen_k - seqlen_q
    begin = 0
    end = seqlen_k // BLOCK_N * BLOCK_N
    if CAUSAL:
        end = fl.maximum(0, fl.minimum(end, (first_diagonal + 1) // BLOCK_N * BLOCK_N))
    if WINDOW:
        end = fl.maximum(0, fl.minimum(end, (first_diagonal + window_right + 1) // BLOCK_N * BLOCK_N))
        begin = first_diagonal + BLOCK_M - 1 - window_left
    return begin, end


def key_block_masked(start_n, full_begin, full_end, WINDOW):
    """Whether key block `start_n` lies outside unmasked_key_range's
    [full_begin, full_end) (whose begin matters only with a window)."""
    masked = start_n >= full_end
    if WINDOW:
        masked = masked | (start_n < full_begin)
    return masked


def query_range(start_n, sees, BLOCK_N):
    """[begin, end) of the queries that can see a key of key block `start_n`."""
    seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right = sees
    fl.static_assert(not (CAUSAL and WINDOW), "a causal window is WINDOW with window_right = 0")
    shift = seqlen_k - seqlen_q
    begin = 0
    end = seqlen_q
    if CAUSAL:
        begin = fl.maximum(0, start_n * BLOCK_N - shift)
    if WINDOW:
        begin = fl.maximum(0, start_n * BLOCK_N - shift - window_right)
        end = fl.minimum(seqlen_q, (start_n + 1) * BLOCK_N - shift + window_left)
    return begin, end


def unmasked_query_range(start_n, sees, BLOCK_N):
    """[begin, end) of the queries that see every key of key block
    `start_n`: past the block's last key's diagonal (- window_right) and,
    with a window, not past its first key + window_left. Query rows past
    seqlen_q need no mask: their Q and dO rows load as zeros and add
    nothing to dK and dV."""
    seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right = sees
    shift = seqlen_k - seqlen_q
    begin = 0
    end = seqlen_q
    if CAUSAL:
        begin = fl.maximum(0, (start_n + 1) * BLOCK_N - 1 - shift)
    if WINDOW:
        begin = fl.maximum(0, (start_n + 1) * BLOCK_N - 1 - shift - window_right)
        end = start_n * BLOCK_N - shift + window_left + 1
    return begin, end


def logits(qk, rows, cols, seqlen_q, seqlen_k, scoring):
    """The scores of the block from qk = Q K^T, in log2 units."""
    qk_scale, SOFTCAP, softcap_scale, softcap_log2, ALIBI, slope = scoring
    if SOFTCAP:
        s = fl.tanh(qk * softcap_scale) * softcap_log2
    else:
        s = qk * qk_scale
    if ALIBI:
        distance = fl.abs(rows[:, None] + (seqlen_k - seqlen_q) - cols[None, :])
        s = s - slope * distance.to(fl.float32)
    return s


def block_scores(qk, rows, cols, masked, sees, scoring):
    """S in log2 units from qk = Q K^T, -inf where the pair is not visible.
    The mask is computed only where `masked` (a runtime flag: the diagonal,
    window-edge and ragged blocks); interior blocks skip it."""
    s = logits(qk, rows, cols, sees[0], sees[1], scoring)
    if masked:
        s = fl.where(visible(rows, cols, sees), s, -INF)
    return s


def probabilities(qk, lse, rows, cols, masked, sees, scoring):
    """P = exp(S - L), the softmax recomputed from the saved log-sum-exp."""
    s = block_scores(qk, rows, cols, masked, sees, scoring)
    return fl.exp2(s - (lse * LOG2E)[:, None])


def softcap_gradient(ds, qk, scoring):
    """dS with respect to Q K^T * scale: through the softcap it is times
    1 - tanh^2 (the scale itself is applied to dQ and dK at the end)."""
    qk_scale, SOFTCAP, softcap_scale, softcap_log2, ALIBI, slope = scoring
    if SOFTCAP:
        t = fl.tanh(qk * softcap_scale)
        ds = ds * (1.0 - t * t)
    return ds


def scores_of(softmax_scale, softcap, Alibi, stride_alibi_b, off_b, off_h, SOFTCAP, ALIBI):
    """The `scoring` tuple of (batch, head): scales in log2 units and the
    head's ALiBi slope (times log2(e))."""
    slope = 0.0
    if ALIBI:
        slope = fl.load(Alibi + off_b * stride_alibi_b + off_h) * LOG2E
    softcap_scale = 0.0
    if SOFTCAP:
        softcap_scale = softmax_scale / softcap
    return (softmax_scale * LOG2E, SOFTCAP, softcap_scale, softcap * LOG2E, ALIBI, slope)


# ---------------------------------------------------------------------------
# Online softmax (Algorithm 1, lines 8-10)
# ---------------------------------------------------------------------------


def online_softmax_update(m_i, l_i, s):
    """Folds a block of scores into the running max `m_i` and sum `l_i`.

    Returns the new max and sum, the block's probabilities P (relative to
    the new max) and `alpha`, the factor that rescales what was accumulated
    under the old max. Rows that have seen no key yet (max still -inf) use 0
    as the reference, so that they give P = 0 and alpha = 0 instead of NaN.
    """
    m_new = fl.maximum(m_i, fl.rowmax(s))
    m_ref = fl.where(m_new == -INF, 0.0, m_new)
    alpha = fl.exp2(m_i - m_ref)
    p = fl.exp2(s - m_ref[:, None])
    l_new = l_i * alpha + fl.rowsum(p)
    return m_new, l_new, p, alpha


def rescale(acc, alpha):
    """acc * alpha, row by row."""
    return acc * alpha[:, None]


# ---------------------------------------------------------------------------
# Sequences of a batch
# ---------------------------------------------------------------------------


def sequence(off_b, nheads, seqlen_q, seqlen_k, CuSeqQ, CuSeqK, VARLEN):
    """(q0, k0, seqlen_q, seqlen_k, lse_b, lse_h) of batch entry off_b: its
    first query and key token, its lengths, and the strides of L (and
    delta): head h's rows start at off_b * lse_b + off_h * lse_h + q0. A
    padded batch: every entry is seqlen_q x seqlen_k from token 0 and L is
    (batch, nheads, seqlen_q). VARLEN: the entry is tokens [CuSeqQ[b],
    CuSeqQ[b + 1]) of the packed queries (and likewise keys), seqlen_q is
    the packed total and L is (nheads, total_q)."""
    if VARLEN:
        q0 = fl.load(CuSeqQ + off_b)
        k0 = fl.load(CuSeqK + off_b)
        length_q = fl.load(CuSeqQ + off_b + 1) - q0
        length_k = fl.load(CuSeqK + off_b + 1) - k0
        return q0, k0, length_q, length_k, 0, seqlen_q
    return 0, 0, seqlen_q, seqlen_k, nheads * seqlen_q, seqlen_q


def none_past(begin, end, start, seqlen, VARLEN):
    """The range [begin, end) of a loop, empty where the program's block
    (from `start`) lies past a packed sequence's end: the grid covers the
    longest sequence."""
    if VARLEN:
        end = fl.where(start < seqlen, end, begin)
    return end


# ---------------------------------------------------------------------------
# Forward
# ---------------------------------------------------------------------------


@flashtile.jit
def attention_fwd(
    Q: fl.pointer, K: fl.pointer, V: fl.pointer, O: fl.pointer, L: fl.pointer(fl.float32),
    Alibi: fl.pointer(fl.float32), CuSeqQ: fl.pointer(fl.int32), CuSeqK: fl.pointer(fl.int32),
    stride_qb, stride_qs, stride_qh,
    stride_kb, stride_ks, stride_kh,
    stride_vb, stride_vs, stride_vh,
    stride_ob, stride_os, stride_oh,
    stride_alibi_b,
    nheads: fl.int32, head_ratio: fl.int32, seqlen_q: fl.int32, seqlen_k: fl.int32,
    softmax_scale: fl.float32, window_left: fl.int32, window_right: fl.int32,
    softcap: fl.float32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 64, BLOCK_N: fl.constexpr = 64,
    HEAD_DIM_V: fl.constexpr = 0,
    CAUSAL: fl.constexpr = False, WINDOW: fl.constexpr = False,
    SOFTCAP: fl.constexpr = False, ALIBI: fl.constexpr = False,
    STORE_LSE: fl.constexpr = True, VARLEN: fl.constexpr = False,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))  # padded head dim
    VALUE_DIM: fl.constexpr = HEAD_DIM_V or HEAD_DIM  # V's head dim (HEAD_DIM_V 0: HEAD_DIM)
    BLOCK_DV: fl.constexpr = max(16, fl.next_power_of_2(VALUE_DIM))
    # This program computes query rows [start_m * BLOCK_M, +BLOCK_M) of one
    # (batch, head); with MQA/GQA, head_ratio query heads share a key/value head.
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    off_hk = off_h // head_ratio
    q0, k0, seqlen_q, seqlen_k, lse_b, lse_h = sequence(off_b, nheads, seqlen_q, seqlen_k, CuSeqQ, CuSeqK, VARLEN)
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_n = fl.arange(0, BLOCK_N)
    offs_d = fl.arange(0, BLOCK_D)
    offs_dv = fl.arange(0, BLOCK_DV)
    k_base = K + off_b * stride_kb + k0 * stride_ks + off_hk * stride_kh
    v_base = V + off_b * stride_vb + k0 * stride_vs + off_hk * stride_vh
    sees = (seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right)
    scoring = scores_of(softmax_scale, softcap, Alibi, stride_alibi_b, off_b, off_h, SOFTCAP, ALIBI)

    # Line 4: load Q_i; lines 5-6: O_i = 0, l_i = 0, m_i = -inf.
    q = load_tile(Q + off_b * stride_qb + q0 * stride_qs + off_h * stride_qh, rows, offs_d, stride_qs, seqlen_q, HEAD_DIM)
    m_i = fl.full([BLOCK_M], -INF, fl.float32)
    l_i = fl.zeros([BLOCK_M], fl.float32)
    acc = fl.zeros([BLOCK_M, BLOCK_DV], fl.float32)

    # Lines 7-11: for each visible block of keys K_j, V_j.
    begin, end = key_range(start_m, sees, BLOCK_M, BLOCK_N)
    end = none_past(begin, end, start_m * BLOCK_M, seqlen_q, VARLEN)
    full_begin, full_end = unmasked_key_range(start_m, sees, BLOCK_M, BLOCK_N)
    for start_n in range(begin, end, BLOCK_N):
        cols = start_n + offs_n
        k = load_tile(k_base, cols, offs_d, stride_ks, seqlen_k, HEAD_DIM)
        v = load_tile(v_base, cols, offs_dv, stride_vs, seqlen_k, VALUE_DIM)
        masked = key_block_masked(start_n, full_begin, full_end, WINDOW)
        s = block_scores(mm(q, fl.trans(k)), rows, cols, masked, sees, scoring)
        m_i, l_i, p, alpha = online_softmax_update(m_i, l_i, s)
        acc = mm(p.to(v.dtype), v, rescale(acc, alpha))

    # Lines 12-13: O_i = acc / l_i and L_i = m_i + log(l_i) (natural log;
    # inference without gradients skips L: STORE_LSE=False).
    empty = l_i == 0.0  # rows that see no key: O = 0, L = +inf
    l_safe = fl.where(empty, 1.0, l_i)
    o = acc * (1.0 / l_safe)[:, None]  # one division per row
    store_tile(O + off_b * stride_ob + q0 * stride_os + off_h * stride_oh, rows, offs_dv, stride_os, seqlen_q, VALUE_DIM, o)
    if STORE_LSE:
        lse = fl.where(empty, INF, m_i * LN2 + fl.log(l_safe))
        fl.store(L + off_b * lse_b + off_h * lse_h + q0 + rows, lse, mask=rows < seqlen_q)


# ---------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------


@flashtile.jit
def attention_bwd_preprocess(
    O: fl.pointer, DO: fl.pointer, Delta: fl.pointer(fl.float32), CuSeqQ: fl.pointer(fl.int32),
    stride_ob, stride_os, stride_oh,
    stride_dob, stride_dos, stride_doh,
    nheads: fl.int32, seqlen_q: fl.int32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 64, VARLEN: fl.constexpr = False,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))
    # Algorithm 2, line 4: delta_i = rowsum(dO_i * O_i).
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    q0, _, seqlen_q, _, lse_b, lse_h = sequence(off_b, nheads, seqlen_q, seqlen_q, CuSeqQ, CuSeqQ, VARLEN)
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_d = fl.arange(0, BLOCK_D)
    o = load_tile(O + off_b * stride_ob + q0 * stride_os + off_h * stride_oh, rows, offs_d, stride_os, seqlen_q, HEAD_DIM)
    do = load_tile(DO + off_b * stride_dob + q0 * stride_dos + off_h * stride_doh, rows, offs_d, stride_dos, seqlen_q, HEAD_DIM)
    delta = fl.rowsum(o.to(fl.float32) * do.to(fl.float32))
    fl.store(Delta + off_b * lse_b + off_h * lse_h + q0 + rows, delta, mask=rows < seqlen_q)


@flashtile.jit
def attention_bwd_dkdv(
    Q: fl.pointer, K: fl.pointer, V: fl.pointer, DO: fl.pointer,
    L: fl.pointer(fl.float32), Delta: fl.pointer(fl.float32), DK: fl.pointer, DV: fl.pointer,
    DQA: fl.pointer(fl.float32), Alibi: fl.pointer(fl.float32),
    CuSeqQ: fl.pointer(fl.int32), CuSeqK: fl.pointer(fl.int32),
    stride_qb, stride_qs, stride_qh,
    stride_kb, stride_ks, stride_kh,
    stride_vb, stride_vs, stride_vh,
    stride_dob, stride_dos, stride_doh,
    stride_dkb, stride_dks, stride_dkh,
    stride_dvb, stride_dvs, stride_dvh,
    stride_dqab, stride_dqas, stride_dqah,
    stride_alibi_b,
    nheads: fl.int32, head_ratio: fl.int32, seqlen_q: fl.int32, seqlen_k: fl.int32,
    softmax_scale: fl.float32, window_left: fl.int32, window_right: fl.int32,
    softcap: fl.float32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 64, BLOCK_N: fl.constexpr = 64,
    HEAD_DIM_V: fl.constexpr = 0,
    CAUSAL: fl.constexpr = False, WINDOW: fl.constexpr = False,
    SOFTCAP: fl.constexpr = False, ALIBI: fl.constexpr = False,
    DQ_ATOMIC: fl.constexpr = False, VARLEN: fl.constexpr = False,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))  # padded head dim
    VALUE_DIM: fl.constexpr = HEAD_DIM_V or HEAD_DIM  # V's head dim (HEAD_DIM_V 0: HEAD_DIM)
    BLOCK_DV: fl.constexpr = max(16, fl.next_power_of_2(VALUE_DIM))
    # This program owns key rows [start_n * BLOCK_N, +BLOCK_N) of one (batch,
    # key/value head); with MQA/GQA it sums dK_j and dV_j over the head_ratio
    # query heads that share it. With DQ_ATOMIC it also adds its share of
    # dQ_i (dS K_j, unscaled) into the float32 accumulator DQA with atomics
    # (FlashAttention-2's backward: 5 products per block pair instead of 7
    # with the separate dQ pass); attention_bwd_dq_convert then scales and
    # casts it.
    start_n = fl.program_id(0)
    off_hbk = fl.program_id(1)
    nheads_k = nheads // head_ratio
    off_b = off_hbk // nheads_k
    off_hk = off_hbk % nheads_k
    q0, k0, seqlen_q, seqlen_k, lse_b, lse_h = sequence(off_b, nheads, seqlen_q, seqlen_k, CuSeqQ, CuSeqK, VARLEN)
    cols = start_n * BLOCK_N + fl.arange(0, BLOCK_N)
    offs_m = fl.arange(0, BLOCK_M)
    offs_d = fl.arange(0, BLOCK_D)
    offs_dv = fl.arange(0, BLOCK_DV)
    sees = (seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right)

    # Algorithm 2, lines 6-7: load K_j, V_j; dK_j = dV_j = 0.
    k = load_tile(K + off_b * stride_kb + k0 * stride_ks + off_hk * stride_kh, cols, offs_d, stride_ks, seqlen_k, HEAD_DIM)
    v = load_tile(V + off_b * stride_vb + k0 * stride_vs + off_hk * stride_vh, cols, offs_dv, stride_vs, seqlen_k, VALUE_DIM)
    dk = fl.zeros([BLOCK_N, BLOCK_D], fl.float32)
    dv = fl.zeros([BLOCK_N, BLOCK_DV], fl.float32)

    # Lines 8-14: for each block of queries (of each query head of the
    # group) that can see these keys; masks only on the diagonal and
    # window-edge blocks and in a ragged last key block.
    begin, end = query_range(start_n, sees, BLOCK_N)
    end = none_past(begin, end, start_n * BLOCK_N, seqlen_k, VARLEN)
    full_begin, full_end = unmasked_query_range(start_n, sees, BLOCK_N)
    ragged = (start_n + 1) * BLOCK_N > seqlen_k
    for group_h in range(0, head_ratio):
        off_h = off_hk * head_ratio + group_h
        lse_row = off_b * lse_b + off_h * lse_h + q0
        q_base = Q + off_b * stride_qb + q0 * stride_qs + off_h * stride_qh
        do_base = DO + off_b * stride_dob + q0 * stride_dos + off_h * stride_doh
        dqa_base = DQA + off_b * stride_dqab + q0 * stride_dqas + off_h * stride_dqah
        scoring = scores_of(softmax_scale, softcap, Alibi, stride_alibi_b, off_b, off_h, SOFTCAP, ALIBI)
        for start_m in range(begin, end, BLOCK_M):
            rows = start_m + offs_m
            q = load_tile(q_base, rows, offs_d, stride_qs, seqlen_q, HEAD_DIM)
            do = load_tile(do_base, rows, offs_dv, stride_dos, seqlen_q, VALUE_DIM)
            lse = fl.load(L + lse_row + rows, mask=rows < seqlen_q, other=0.0)
            delta = fl.load(Delta + lse_row + rows, mask=rows < seqlen_q, other=0.0)
            masked = ragged | (start_m < full_begin)
            if WINDOW:
                masked = masked | (start_m + BLOCK_M > full_end)
            qk = mm(q, fl.trans(k))
            p = probabilities(qk, lse, rows, cols, masked, sees, scoring)
            dv = mm(fl.trans(p.to(do.dtype)), do, dv)  # dV_j += P^T dO_i
            dp = mm(do, fl.trans(v))  # dP = dO_i V_j^T
            ds = softcap_gradient(p * (dp - delta[:, None]), qk, scoring)  # dS = P * (dP - delta_i)
            dk = mm(fl.trans(ds.to(q.dtype)), q, dk)  # dK_j += dS^T Q_i
            if DQ_ATOMIC:  # dQ_i += dS K_j, shared with the other key blocks
                dq = mm(ds.to(k.dtype), k)
                mask = (rows[:, None] < seqlen_q) & (offs_d[None, :] < HEAD_DIM)
                fl.atomic_add(dqa_base + rows[:, None] * stride_dqas + offs_d[None, :], dq, mask=mask)

    # Line 16: write dK_j (times the softmax scale) and dV_j.
    store_tile(DK + off_b * stride_dkb + k0 * stride_dks + off_hk * stride_dkh, cols, offs_d, stride_dks, seqlen_k, HEAD_DIM, dk * softmax_scale)
    store_tile(DV + off_b * stride_dvb + k0 * stride_dvs + off_hk * stride_dvh, cols, offs_dv, stride_dvs, seqlen_k, VALUE_DIM, dv)


@flashtile.jit
def attention_bwd_dq(
    Q: fl.pointer, K: fl.pointer, V: fl.pointer, DO: fl.pointer,
    L: fl.pointer(fl.float32), Delta: fl.pointer(fl.float32), DQ: fl.pointer,
    Alibi: fl.pointer(fl.float32), CuSeqQ: fl.pointer(fl.int32), CuSeqK: fl.pointer(fl.int32),
    stride_qb, stride_qs, stride_qh,
    stride_kb, stride_ks, stride_kh,
    stride_vb, stride_vs, stride_vh,
    stride_dob, stride_dos, stride_doh,
    stride_dqb, stride_dqs, stride_dqh,
    stride_alibi_b,
    nheads: fl.int32, head_ratio: fl.int32, seqlen_q: fl.int32, seqlen_k: fl.int32,
    softmax_scale: fl.float32, window_left: fl.int32, window_right: fl.int32,
    softcap: fl.float32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 64, BLOCK_N: fl.constexpr = 64,
    HEAD_DIM_V: fl.constexpr = 0,
    CAUSAL: fl.constexpr = False, WINDOW: fl.constexpr = False,
    SOFTCAP: fl.constexpr = False, ALIBI: fl.constexpr = False, VARLEN: fl.constexpr = False,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))  # padded head dim
    VALUE_DIM: fl.constexpr = HEAD_DIM_V or HEAD_DIM  # V's head dim (HEAD_DIM_V 0: HEAD_DIM)
    BLOCK_DV: fl.constexpr = max(16, fl.next_power_of_2(VALUE_DIM))
    # This program owns query rows [start_m * BLOCK_M, +BLOCK_M) of one (batch, head).
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    off_hk = off_h // head_ratio
    q0, k0, seqlen_q, seqlen_k, lse_b, lse_h = sequence(off_b, nheads, seqlen_q, seqlen_k, CuSeqQ, CuSeqK, VARLEN)
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_n = fl.arange(0, BLOCK_N)
    offs_d = fl.arange(0, BLOCK_D)
    offs_dv = fl.arange(0, BLOCK_DV)
    k_base = K + off_b * stride_kb + k0 * stride_ks + off_hk * stride_kh
    v_base = V + off_b * stride_vb + k0 * stride_vs + off_hk * stride_vh
    sees = (seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right)
    scoring = scores_of(softmax_scale, softcap, Alibi, stride_alibi_b, off_b, off_h, SOFTCAP, ALIBI)

    lse_row = off_b * lse_b + off_h * lse_h + q0
    q = load_tile(Q + off_b * stride_qb + q0 * stride_qs + off_h * stride_qh, rows, offs_d, stride_qs, seqlen_q, HEAD_DIM)
    do = load_tile(DO + off_b * stride_dob + q0 * stride_dos + off_h * stride_doh, rows, offs_dv, stride_dos, seqlen_q, VALUE_DIM)
    lse = fl.load(L + lse_row + rows, mask=rows < seqlen_q, other=0.0)
    delta = fl.load(Delta + lse_row + rows, mask=rows < seqlen_q, other=0.0)
    dq = fl.zeros([BLOCK_M, BLOCK_D], fl.float32)

    # Algorithm 2, lines 10-13 seen from the query side: dQ_i += dS K_j;
    # masks only on the diagonal, window-edge and ragged blocks, as forward.
    begin, end = key_range(start_m, sees, BLOCK_M, BLOCK_N)
    end = none_past(begin, end, start_m * BLOCK_M, seqlen_q, VARLEN)
    full_begin, full_end = unmasked_key_range(start_m, sees, BLOCK_M, BLOCK_N)
    for start_n in range(begin, end, BLOCK_N):
        cols = start_n + offs_n
        k = load_tile(k_base, cols, offs_d, stride_ks, seqlen_k, HEAD_DIM)
        v = load_tile(v_base, cols, offs_dv, stride_vs, seqlen_k, VALUE_DIM)
        masked = key_block_masked(start_n, full_begin, full_end, WINDOW)
        qk = mm(q, fl.trans(k))
        p = probabilities(qk, lse, rows, cols, masked, sees, scoring)
        dp = mm(do, fl.trans(v))
        ds = softcap_gradient(p * (dp - delta[:, None]), qk, scoring)
        dq = mm(ds.to(k.dtype), k, dq)

    store_tile(DQ + off_b * stride_dqb + q0 * stride_dqs + off_h * stride_dqh, rows, offs_d, stride_dqs, seqlen_q, HEAD_DIM, dq * softmax_scale)


@flashtile.jit
def attention_bwd_dq_convert(
    DQA: fl.pointer(fl.float32), DQ: fl.pointer, CuSeqQ: fl.pointer(fl.int32),
    stride_dqab, stride_dqas, stride_dqah,
    stride_dqb, stride_dqs, stride_dqh,
    nheads: fl.int32, seqlen_q: fl.int32, softmax_scale: fl.float32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 64, VARLEN: fl.constexpr = False,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))
    # dQ = scale * the float32 sums attention_bwd_dkdv added (DQ_ATOMIC).
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    q0, _, seqlen_q, _, _, _ = sequence(off_b, nheads, seqlen_q, seqlen_q, CuSeqQ, CuSeqQ, VARLEN)
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_d = fl.arange(0, BLOCK_D)
    dq = load_tile(DQA + off_b * stride_dqab + q0 * stride_dqas + off_h * stride_dqah, rows, offs_d, stride_dqas, seqlen_q, HEAD_DIM)
    store_tile(DQ + off_b * stride_dqb + q0 * stride_dqs + off_h * stride_dqh, rows, offs_d, stride_dqs, seqlen_q, HEAD_DIM, dq * softmax_scale)


# ---------------------------------------------------------------------------
# Decoding over a key/value cache (flash_attn_with_kvcache), split-KV
# ---------------------------------------------------------------------------


@flashtile.jit
def attention_kvcache(
    Q: fl.pointer, K: fl.pointer, V: fl.pointer, OP: fl.pointer(fl.float32),
    LP: fl.pointer(fl.float32), Alibi: fl.pointer(fl.float32),
    CacheSeqlens: fl.pointer(fl.int32), CacheBatch: fl.pointer(fl.int32),
    BlockTable: fl.pointer(fl.int32),
    stride_qb, stride_qs, stride_qh,
    stride_kb, stride_ks, stride_kh,
    stride_vb, stride_vs, stride_vh,
    stride_ops, stride_opb, stride_opm, stride_oph, stride_lps,
    stride_table_b, stride_alibi_b,
    nheads: fl.int32, head_ratio: fl.int32, seqlen_q: fl.int32, split_len: fl.int32,
    softmax_scale: fl.float32, window_left: fl.int32, window_right: fl.int32,
    softcap: fl.float32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 16, BLOCK_N: fl.constexpr = 64,
    CAUSAL: fl.constexpr = False, WINDOW: fl.constexpr = False,
    SOFTCAP: fl.constexpr = False, ALIBI: fl.constexpr = False,
    BATCH_INDEX: fl.constexpr = False, PAGED: fl.constexpr = False,
    PAGE_SIZE: fl.constexpr = 256,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))  # padded head dim
    # This program attends query rows [start_m * BLOCK_M, +BLOCK_M) of one
    # (batch, head) to its share `split` of the cache: keys [split *
    # split_len, +split_len) of the cache_seqlens[b] keys. It writes that
    # share's normalised output and log-sum-exp (float32; -inf where the
    # share has no visible key) for attention_combine. The cache is
    # (batch, seqlen, heads, headdim), of batch entry CacheBatch[b] with
    # BATCH_INDEX; PAGED: (pages, PAGE_SIZE, heads, headdim), key j of
    # entry b in page BlockTable[b, j // PAGE_SIZE] (BLOCK_N divides PAGE_SIZE).
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    split = fl.program_id(2)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    off_hk = off_h // head_ratio
    seqlen_k = fl.load(CacheSeqlens + off_b)
    cache_b = off_b
    if BATCH_INDEX:
        cache_b = fl.load(CacheBatch + off_b)
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_n = fl.arange(0, BLOCK_N)
    offs_d = fl.arange(0, BLOCK_D)
    sees = (seqlen_q, seqlen_k, CAUSAL, WINDOW, window_left, window_right)
    scoring = scores_of(softmax_scale, softcap, Alibi, stride_alibi_b, off_b, off_h, SOFTCAP, ALIBI)

    q = load_tile(Q + off_b * stride_qb + off_h * stride_qh, rows, offs_d, stride_qs, seqlen_q, HEAD_DIM)
    m_i = fl.full([BLOCK_M], -INF, fl.float32)
    l_i = fl.zeros([BLOCK_M], fl.float32)
    acc = fl.zeros([BLOCK_M, BLOCK_D], fl.float32)

    begin, end = key_range(start_m, sees, BLOCK_M, BLOCK_N)
    begin = fl.maximum(begin, split * split_len)  # both multiples of BLOCK_N
    end = fl.minimum(end, (split + 1) * split_len)
    full_begin, full_end = unmasked_key_range(start_m, sees, BLOCK_M, BLOCK_N)
    for start_n in range(begin, end, BLOCK_N):
        cols = start_n + offs_n
        if PAGED:  # the block lies in one page
            page = fl.load(BlockTable + off_b * stride_table_b + start_n // PAGE_SIZE)
            first = start_n % PAGE_SIZE
            k = load_tile(K + page * stride_kb + first * stride_ks + off_hk * stride_kh, offs_n, offs_d, stride_ks, seqlen_k - start_n, HEAD_DIM)
            v = load_tile(V + page * stride_vb + first * stride_vs + off_hk * stride_vh, offs_n, offs_d, stride_vs, seqlen_k - start_n, HEAD_DIM)
        else:
            k = load_tile(K + cache_b * stride_kb + off_hk * stride_kh, cols, offs_d, stride_ks, seqlen_k, HEAD_DIM)
            v = load_tile(V + cache_b * stride_vb + off_hk * stride_vh, cols, offs_d, stride_vs, seqlen_k, HEAD_DIM)
        masked = key_block_masked(start_n, full_begin, full_end, WINDOW)
        s = block_scores(mm(q, fl.trans(k)), rows, cols, masked, sees, scoring)
        m_i, l_i, p, alpha = online_softmax_update(m_i, l_i, s)
        acc = mm(p.to(v.dtype), v, rescale(acc, alpha))

    empty = l_i == 0.0
    l_safe = fl.where(empty, 1.0, l_i)
    o = acc * (1.0 / l_safe)[:, None]
    mask = (rows[:, None] < seqlen_q) & (offs_d[None, :] < HEAD_DIM)
    fl.store(OP + split * stride_ops + off_b * stride_opb + off_h * stride_oph + rows[:, None] * stride_opm + offs_d[None, :], o, mask=mask)
    lse = fl.where(empty, -INF, m_i * LN2 + fl.log(l_safe))
    fl.store(LP + split * stride_lps + off_hb * seqlen_q + rows, lse, mask=rows < seqlen_q)


@flashtile.jit
def attention_combine(
    OP: fl.pointer(fl.float32), LP: fl.pointer(fl.float32), O: fl.pointer,
    L: fl.pointer(fl.float32),
    stride_ops, stride_opb, stride_opm, stride_oph, stride_lps,
    stride_ob, stride_os, stride_oh,
    nheads: fl.int32, seqlen_q: fl.int32, num_splits: fl.int32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 16,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))
    # O = sum_s exp(L_s - L) O_s with L = log sum_s exp(L_s), over the
    # splits' normalised outputs O_s and log-sum-exps L_s (-inf: no key);
    # rows no split saw get O = 0 and L = +inf.
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_d = fl.arange(0, BLOCK_D)
    in_rows = rows < seqlen_q
    m = fl.full([BLOCK_M], -INF, fl.float32)
    for split in range(0, num_splits):
        m = fl.maximum(m, fl.load(LP + split * stride_lps + off_hb * seqlen_q + rows, mask=in_rows, other=-INF))
    m_ref = fl.where(m == -INF, 0.0, m)
    acc = fl.zeros([BLOCK_M, BLOCK_D], fl.float32)
    l = fl.zeros([BLOCK_M], fl.float32)
    for split in range(0, num_splits):
        lse = fl.load(LP + split * stride_lps + off_hb * seqlen_q + rows, mask=in_rows, other=-INF)
        w = fl.exp2((lse - m_ref) * LOG2E)
        o = load_tile(OP + split * stride_ops + off_b * stride_opb + off_h * stride_oph, rows, offs_d, stride_opm, seqlen_q, HEAD_DIM)
        acc = acc + o * w[:, None]
        l = l + w
    empty = l == 0.0
    o = acc * (1.0 / fl.where(empty, 1.0, l))[:, None]
    store_tile(O + off_b * stride_ob + off_h * stride_oh, rows, offs_d, stride_os, seqlen_q, HEAD_DIM, o)
    fl.store(L + off_hb * seqlen_q + rows, fl.where(empty, INF, m_ref + fl.log(fl.where(empty, 1.0, l))), mask=in_rows)


def rotated_tile(base, rows, cols, stride_row, n_rows, HEAD_DIM, positions, Cos, Sin, stride_cos,
                 rotary_dim, INTERLEAVED):
    """The [rows, cols] tile of a row-major matrix (zero outside n_rows x
    HEAD_DIM) with the rotary embedding at `positions` (one per row) applied
    to its first rotary_dim columns: the pairs (x[2j], x[2j+1]) if
    INTERLEAVED (GPT-J), else (x[j], x[j + rotary_dim/2]) (GPT-NeoX), each
    turned by the angle whose cos and sin are Cos/Sin[position, j]."""
    half = rotary_dim // 2
    if INTERLEAVED:
        partner = cols ^ 1
        sign = fl.where(cols % 2 == 0, -1.0, 1.0)
        j = cols // 2
    else:
        partner = fl.where(cols < half, cols + half, cols - half)
        sign = fl.where(cols < half, -1.0, 1.0)
        j = fl.where(cols < half, cols, cols - half)
    rotary = cols < rotary_dim
    partner = fl.where(rotary, partner, cols)
    in_rows = rows[:, None] < n_rows
    x = load_tile(base, rows, cols, stride_row, n_rows, HEAD_DIM).to(fl.float32)
    y = fl.load(base + rows[:, None] * stride_row + partner[None, :], mask=in_rows & (partner[None, :] < HEAD_DIM), other=0.0).to(fl.float32)
    angle = positions[:, None] * stride_cos + j[None, :]
    keep = in_rows & rotary[None, :]
    cos = fl.load(Cos + angle, mask=keep, other=1.0).to(fl.float32)
    sin = fl.load(Sin + angle, mask=keep, other=0.0).to(fl.float32)
    return x * cos + sign[None, :] * y * sin


@flashtile.jit
def rotary_embed(
    X: fl.pointer, Out: fl.pointer, Cos: fl.pointer, Sin: fl.pointer,
    CacheSeqlens: fl.pointer(fl.int32),
    stride_xb, stride_xs, stride_xh,
    stride_ob, stride_os, stride_oh,
    stride_cos,
    nheads: fl.int32, seqlen: fl.int32, rotary_dim: fl.int32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 16,
    INTERLEAVED: fl.constexpr = True, SAME_POSITION: fl.constexpr = False,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))
    # Out = X with the rotary embedding of rows [start_m * BLOCK_M, +BLOCK_M)
    # of one (batch, head) at positions cache_seqlens[b] + row (SAME_POSITION:
    # cache_seqlens[b] for every row): flash_attn_with_kvcache's queries.
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads
    off_h = off_hb % nheads
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_d = fl.arange(0, BLOCK_D)
    positions = fl.load(CacheSeqlens + off_b) + rows
    if SAME_POSITION:
        positions = positions - rows
    x = rotated_tile(X + off_b * stride_xb + off_h * stride_xh, rows, offs_d, stride_xs, seqlen,
                     HEAD_DIM, positions, Cos, Sin, stride_cos, rotary_dim, INTERLEAVED)
    store_tile(Out + off_b * stride_ob + off_h * stride_oh, rows, offs_d, stride_os, seqlen, HEAD_DIM, x)


@flashtile.jit
def kvcache_append(
    New: fl.pointer, Cache: fl.pointer, CacheSeqlens: fl.pointer(fl.int32),
    CacheBatch: fl.pointer(fl.int32), BlockTable: fl.pointer(fl.int32),
    Cos: fl.pointer, Sin: fl.pointer,
    stride_nb, stride_ns, stride_nh,
    stride_cb, stride_cs, stride_ch,
    stride_table_b, stride_cos,
    nheads_k: fl.int32, seqlen_new: fl.int32, rotary_dim: fl.int32,
    HEAD_DIM: fl.constexpr, BLOCK_M: fl.constexpr = 16,
    BATCH_INDEX: fl.constexpr = False, PAGED: fl.constexpr = False,
    PAGE_SIZE: fl.constexpr = 256, ROTARY: fl.constexpr = False,
    INTERLEAVED: fl.constexpr = True,
):
    BLOCK_D: fl.constexpr = max(16, fl.next_power_of_2(HEAD_DIM))
    # Writes new keys (or values) [start_m * BLOCK_M, +BLOCK_M) of one
    # (batch, head) into the cache after its cache_seqlens[b] tokens, in
    # place (the cache layouts of attention_kvcache); ROTARY: keys turned
    # by the rotary embedding at their positions on the way.
    start_m = fl.program_id(0)
    off_hb = fl.program_id(1)
    off_b = off_hb // nheads_k
    off_h = off_hb % nheads_k
    rows = start_m * BLOCK_M + fl.arange(0, BLOCK_M)
    offs_d = fl.arange(0, BLOCK_D)
    pos = fl.load(CacheSeqlens + off_b) + rows
    new_base = New + off_b * stride_nb + off_h * stride_nh
    if ROTARY:
        x = rotated_tile(new_base, rows, offs_d, stride_ns, seqlen_new, HEAD_DIM, pos, Cos, Sin,
                         stride_cos, rotary_dim, INTERLEAVED)
    else:
        x = load_tile(new_base, rows, offs_d, stride_ns, seqlen_new, HEAD_DIM)
    if PAGED:
        page = fl.load(BlockTable + off_b * stride_table_b + pos // PAGE_SIZE, mask=rows < seqlen_new, other=0)
        dest = Cache + page[:, None] * stride_cb + (pos % PAGE_SIZE)[:, None] * stride_cs
    else:
        cache_b = off_b
        if BATCH_INDEX:
            cache_b = fl.load(CacheBatch + off_b)
        dest = Cache + cache_b * stride_cb + pos[:, None] * stride_cs
    mask = (rows[:, None] < seqlen_new) & (offs_d[None, :] < HEAD_DIM)
    fl.store(dest + off_h * stride_ch + offs_d[None, :], x, mask=mask)
