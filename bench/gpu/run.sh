#!/usr/bin/env bash
# GPU bench on a machine without Node (the lent NVIDIA H200): unpack the carried pack (.gpu-carry, made by
# `npm run bench:gpu:pack`), point the Vulkan loader at the NVIDIA driver's ICD, build the model and the
# transformers reference with the machine's python, then run the bundled bench. Prints ONE JSON line (also
# written to $OUT/bench-gpu.json when $OUT is set). Extra arguments go to the bench (e.g. --preset qwen2.5-0.5b
# --new-tokens 1024 --k 8). See bench/gpu/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
CARRY=${CARRY:-.gpu-carry}
WORK=${WORK:-/tmp/distillery-gpu}
OUT_DIR=${OUT:-$WORK}
mkdir -p "$WORK" "$OUT_DIR"
[ -f "$CARRY/runtime.tar.xz" ] || { echo "run.sh: $CARRY/runtime.tar.xz missing: run 'npm run bench:gpu:pack' and carry $CARRY" >&2; exit 2; }

# The Vulkan loader and libglvnd (the NVIDIA ICD needs libGLdispatch), unless the image has them (the device
# README: dpkg -x into /, then ldconfig).
if ! ldconfig -p | grep -q 'libvulkan.so.1' || ! ldconfig -p | grep -q 'libGLdispatch.so.0'; then
  for f in "$CARRY"/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if command -v xz >/dev/null 2>&1; then
  tar -xJf "$CARRY/runtime.tar.xz" -C "$WORK"
else
  python3 -m tarfile -e "$CARRY/runtime.tar.xz" "$WORK"
fi

# The driver's Vulkan ICD (read-only driver folder); search when it is not where it usually is.
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$ICD" ] || ICD=$(find /usr/local/nvidia /usr/share/vulkan /etc/vulkan -name 'nvidia_icd*.json' 2>/dev/null | head -1 || true)
  if [ -n "$ICD" ]; then export VK_ICD_FILENAMES=$ICD VK_DRIVER_FILES=$ICD; else echo "run.sh: no NVIDIA Vulkan ICD found" >&2; fi
fi
export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export PYTHONUNBUFFERED=1
echo "run.sh: node $("$WORK/node" --version), VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}, python $(python3 --version 2>&1)" >&2
nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv >&2 || true

cp "$CARRY/bench.mjs" "$WORK/bench.mjs"  # beside node_modules/onnxruntime-node, which it imports
"$WORK/node" "$WORK/bench.mjs" --python python3 --root "$PWD" --json-out "$OUT_DIR/bench-gpu.json" "$@"
