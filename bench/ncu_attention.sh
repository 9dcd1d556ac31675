#!/usr/bin/env bash
# ncu profiles of flashtile's attention kernels beside FlashAttention-2's
# (SDPA's flash backend) on one problem: speed of light, occupancy, tensor
# pipe, shared-memory bank conflicts and the stall reasons per issued
# instruction. Needs a CUDA GPU and ncu.
#   bench/ncu_attention.sh [head_dim] [batch] [seqlen] > ncu.txt
set -uo pipefail
d=${1:-128} b=${2:-4} n=${3:-4096}
root=$(cd "$(dirname "$0")/.." && pwd)
reasons=(barrier long_scoreboard short_scoreboard mio_throttle math_pipe_throttle wait
         not_selected lg_throttle dispatch_stall no_instruction selected tex_throttle)
metrics=smsp__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
metrics+=,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
metrics+=,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum
metrics+=,sm__warps_active.avg.pct_of_peak_sustained_active
metrics+=,smsp__inst_executed.sum,launch__registers_per_thread,launch__occupancy_limit_registers
for r in "${reasons[@]}"; do metrics+=",smsp__average_warps_issue_stalled_${r}_per_issue_active.ratio"; done
export FLASHTILE_AUTOTUNE=0  # profile the default configurations, not the tuning
for pass in "fwd|4|attention_fwd|flash_fwd_kernel" \
            "bwd|6|attention_bwd_dkdv|attention_bwd_dq\$|flash_bwd_dq_dk_dv"; do
  mode=${pass%%|*}; rest=${pass#*|}; count=${rest%%|*}; regex=${rest#*|}
  extra=(); [[ $mode == bwd ]] && extra=(--backward)
  # Two repeats of each backend: every matching launch is profiled.
  ncu --clock-control none -k "regex:$regex" --launch-count "$count" \
      --section SpeedOfLight --metrics "$metrics" \
      python3 "$root/bench/profile_attention.py" --head-dim "$d" --batch "$b" --seqlen "$n" \
      --repeats 2 "${extra[@]}" 2>&1 | grep -vE "^==PROF==|Warning: Data collection"
done
