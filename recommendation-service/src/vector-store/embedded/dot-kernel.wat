;; Inner products of one query with every row of a row-major f32 matrix, 128-bit SIMD.
;; Compiled into dot-kernel.ts (base64) with wabt 1.0.39 (npm `wabt`), see the comment there.
;;
;; scores(query, rows_ptr, rows, stride, out):
;;   out[r] = sum_{i < stride} query[i] * rows_ptr[r * stride + i]      for r < rows
;; `stride` (floats) is a positive multiple of 16; padding lanes hold zeros, so any dimension works.
;; Four independent accumulators keep the multiply-add chains from waiting on each other.
(module
  (import "env" "memory" (memory 1))
  (func (export "scores")
    (param $q i32) (param $v i32) (param $rows i32) (param $stride i32) (param $out i32)
    (local $r i32) (local $qp i32) (local $qend i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $qend (i32.add (local.get $q) (i32.shl (local.get $stride) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $qp (local.get $q))
        (loop $lanes
          (local.set $a0 (f32x4.add (local.get $a0)
            (f32x4.mul (v128.load offset=0 (local.get $qp)) (v128.load offset=0 (local.get $v)))))
          (local.set $a1 (f32x4.add (local.get $a1)
            (f32x4.mul (v128.load offset=16 (local.get $qp)) (v128.load offset=16 (local.get $v)))))
          (local.set $a2 (f32x4.add (local.get $a2)
            (f32x4.mul (v128.load offset=32 (local.get $qp)) (v128.load offset=32 (local.get $v)))))
          (local.set $a3 (f32x4.add (local.get $a3)
            (f32x4.mul (v128.load offset=48 (local.get $qp)) (v128.load offset=48 (local.get $v)))))
          (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
          (local.set $v (i32.add (local.get $v) (i32.const 64)))
          (br_if $lanes (i32.lt_u (local.get $qp) (local.get $qend))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
                                  (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))))
