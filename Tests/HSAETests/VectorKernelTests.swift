import CKernels
import HSAE
import XCTest

/// The C vector kernels (CKernels) under every body this CPU runs, against the rule each
/// implements written out as a plain loop here: the same outputs bit for bit, including ties at
/// τ, NaN, ±0, rows shorter than a vector and tails.
/// Runs `body` under each body of the vector kernels this CPU has, then restores the initial one.
func underEveryVectorBody(_ body: (VectorKernels) -> Void) {
    for isa in VectorKernels.available {
        XCTAssertEqual(VectorKernels.select(isa), isa)
        body(isa)
    }
    VectorKernels.select(nil)
}

extension SplitMix64 {
    /// Uniform in [−2, 2) on a 2^-22 grid.
    mutating func uniformFloat() -> Float { Float(next() >> 40) / Float(1 << 24) * 4 - 2 }
}

final class VectorKernelTests: XCTestCase {
    override func tearDown() { VectorKernels.select(nil) }

    func testTheBestBodyMatchesTheCPU() throws {
        #if !arch(x86_64)
        throw XCTSkip("the AVX-512 bodies exist on x86-64 only")
        #endif
        guard FileManager.default.fileExists(atPath: "/proc/cpuinfo") else { throw XCTSkip("no /proc/cpuinfo to read the CPU's flags from") }
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ").map(String.init)) }
        let cpu = try XCTUnwrap(flags, "no /proc/cpuinfo flags line")
        XCTAssertEqual(VectorKernels.best, cpu.isSuperset(of: ["avx512f", "fma", "popcnt"]) ? .avx512 : .portable)
        XCTAssertEqual(VectorKernels.select(.portable), .portable)
        XCTAssertEqual(VectorKernels.active, .portable)
        XCTAssertEqual(VectorKernels.select(nil), VectorKernels.initial)
        XCTAssertEqual(VectorKernels.initial, ProcessInfo.processInfo.environment["HSAE_VECTOR_KERNELS"] == "portable" ? .portable : .best)
    }

    /// Values from a small set (many ties), with NaN, −0 and +0 mixed in.
    func values(_ n: Int, _ rng: inout SplitMix64) -> [Float] {
        let pool: [Float] = [-2, -1, -0.0, 0, 0.5, 1, 1, 2, 3, .nan, 1.25, -0.5]
        return (0..<n).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
    }

    func testKeepRowIsTheSelectionRule() {
        var rng = SplitMix64(seed: 41)
        underEveryVectorBody { isa in
            for m in [1, 3, 15, 16, 17, 33, 40, 640, 1001] {
                for trial in 0..<6 {
                    let p = values(m, &rng), c = values(m, &rng)
                    let withBias = trial % 2 == 1, inPlace = trial % 3 == 0
                    let tau: Float = [1, 0.5, 2, 0, -1, 3][trial]
                    let ties0 = [0, 1, 2, 5, 1, 3][trial]
                    // The rule: v = p + c; keep v > τ, or v == τ while ties last (lower index
                    // first); of those only v > 0; z = v kept, else +0.
                    var (eZ, eIdx, eVal, eTies) = ([Float](repeating: 0, count: m), [Int32](), [Float](), ties0)
                    for j in 0..<m {
                        let v = withBias ? p[j] + c[j] : p[j]
                        var kept = v > tau
                        if !kept, v == tau, eTies > 0 { kept = true; eTies -= 1 }
                        if kept, v > 0 { eIdx.append(Int32(j)); eVal.append(v); eZ[j] = v }
                    }
                    var z = inPlace ? p : [Float](repeating: .nan, count: m)
                    var idx = [Int32](repeating: -1, count: m), val = [Float](repeating: .nan, count: m)
                    var ties = ties0
                    let n = p.withUnsafeBufferPointer { pb in
                        c.withUnsafeBufferPointer { cb in
                            z.withUnsafeMutableBufferPointer { zb in
                                // In place: the kernel reads p from z's own memory.
                                Float.keepRowKernel(inPlace ? UnsafePointer(zb.baseAddress!) : pb.baseAddress!,
                                                    bias: withBias ? cb.baseAddress! : nil, count: m, tau: tau, ties: &ties,
                                                    into: zb.baseAddress!, index: &idx, value: &val)
                            }
                        }
                    }
                    let label = "\(isa), m \(m), trial \(trial)"
                    XCTAssertEqual(n, eIdx.count, label)
                    XCTAssertEqual(Array(idx.prefix(eIdx.count)), eIdx, label)
                    XCTAssertTrue(idx[eIdx.count...].allSatisfy { $0 == -1 } && val[eIdx.count...].allSatisfy(\.isNaN),
                                  label + ": nothing written past the kept entries")
                    XCTAssertEqual(Array(val.prefix(eVal.count)).map(\.bitPattern), eVal.map(\.bitPattern), label)
                    XCTAssertEqual(z.map(\.bitPattern), eZ.map(\.bitPattern), label + ": z bit for bit (+0 where not kept)")
                    XCTAssertEqual(ties, eTies, label)
                }
            }
        }
    }

    func testPrefilterIsTheBoundAndItsCandidates() {
        var rng = SplitMix64(seed: 43)
        func uniform() -> Float { rng.uniformFloat() }
        underEveryVectorBody { isa in
            for (n, keep) in [(8, 1), (40, 5), (100, 12), (100, 13), (640, 16), (640, 21), (1000, 64), (16384, 64), (2003, 7)] {
                for kind in ["continuous", "ties", "nan"] {
                    var x: [Float] = (0..<n).map { _ in kind == "ties" ? Float(Int(rng.next() % 5)) - 2 : uniform() }
                    if kind == "nan" { x[Int(rng.next() % UInt64(n))] = .nan }
                    let c: [Float] = (0..<n).map { _ in uniform() }
                    for withBias in [false, true] {
                        let v = (0..<n).map { withBias ? x[$0] + c[$0] : x[$0] }
                        // L: the least maximum of the n / g whole groups of g = n / keep values.
                        let g = n / keep
                        let bound = (0..<(n / g)).map { q in v[(q * g)..<((q + 1) * g)].reduce(-Float.infinity) { $1 > $0 ? $1 : $0 } }
                            .reduce(Float.infinity) { $1 < $0 ? $1 : $0 }
                        let expected = v.contains { $0.isNaN } ? nil : v.filter { $0 >= bound }
                        var out = [Float](repeating: .nan, count: n)
                        let count = x.withUnsafeBufferPointer { xb in
                            c.withUnsafeBufferPointer { cb in
                                Float.prefilterRowKernel(xb.baseAddress!, bias: withBias ? cb.baseAddress! : nil, count: n, keep: keep,
                                                         into: &out)
                            }
                        }
                        let label = "\(isa), n \(n), keep \(keep), \(kind), bias \(withBias)"
                        if let expected {
                            XCTAssertEqual(count, expected.count, label)
                            XCTAssertEqual(Array(out.prefix(expected.count)).map(\.bitPattern), expected.map(\.bitPattern), label)
                            XCTAssertGreaterThanOrEqual(expected.count, keep, label)
                        } else {
                            XCTAssertEqual(count, -1, label + ": a NaN is reported")
                        }
                    }
                }
            }
        }
    }

    func testDoubleHasNoKernel() {
        var ties = 0
        let p = [1.0], out = [Int32](repeating: 0, count: 1)
        var z = [0.0], v = [0.0], idx = out
        XCTAssertNil(p.withUnsafeBufferPointer { Double.keepRowKernel($0.baseAddress!, bias: nil, count: 1, tau: 0, ties: &ties, into: &z, index: &idx, value: &v) })
        XCTAssertNil(p.withUnsafeBufferPointer { Double.prefilterRowKernel($0.baseAddress!, bias: nil, count: 1, keep: 1, into: &v) })
    }
}

extension VectorKernelTests {
    /// hsae_axpy_f32 under every body: y + a·x with one rounding (fma) per element, bit for bit, at
    /// every length across the vector width and its tail; and Float.axpy, which takes it with the
    /// AVX-512 body (OpenBLAS otherwise).
    func testAxpyIsOneFMAPerElement() {
        var rng = SplitMix64(seed: 47)
        func uniform() -> Float { rng.uniformFloat() }
        underEveryVectorBody { isa in
            for n in [1, 7, 15, 16, 17, 31, 64, 128, 130, 1000] {
                let a = uniform(), x = (0..<n).map { _ in uniform() }, y0 = (0..<n).map { _ in uniform() }
                let expected = (0..<n).map { y0[$0].addingProduct(a, x[$0]) }  // fma(a, x, y0): one rounding
                var y = y0
                hsae_axpy_f32(n, a, x, &y)
                XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "\(isa), n \(n)")
                if isa == .avx512 {
                    y = y0
                    x.withUnsafeBufferPointer { Float.axpy(n, a, $0.baseAddress!, &y) }
                    XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "Float.axpy, n \(n)")
                }
            }
        }
    }
}

extension VectorKernelTests {
    /// hsae_select_f32 under every body against sorting: τ the keep-th largest and ties =
    /// keep − #{> τ}, on continuous values, heavy ties, all equal and ±0, every keep from 1 to n.
    func testSelectByCountingIsTheKthLargest() {
        var rng = SplitMix64(seed: 53)
        func uniform() -> Float { rng.uniformFloat() }
        underEveryVectorBody { isa in
            for n in [1, 5, 16, 17, 50, 128] {
                for kind in ["continuous", "ties", "constant", "zeros"] {
                    let a: [Float] = (0..<n).map { _ in
                        switch kind {
                        case "continuous": return uniform()
                        case "ties": return Float(Int(rng.next() % 4))
                        case "constant": return 1.5
                        default: return rng.next() % 2 == 0 ? 0 : -0.0
                        }
                    }
                    for keep in 1...n {
                        let tau = a.sorted(by: >)[keep - 1]
                        var ties = -1
                        let got = hsae_select_f32(a, n, keep, &ties)
                        let label = "\(isa), n \(n), \(kind), keep \(keep)"
                        XCTAssertEqual(got, tau, label)
                        XCTAssertEqual(ties, keep - a.filter { $0 > tau }.count, label)
                    }
                }
            }
        }
    }
}

extension VectorKernelTests {
    /// Kernels.countPositive (16 lanes at a time for Float) against the plain count, at lengths around
    /// the vector width, with ±0, NaN, ±∞ and negatives; Double through its scalar loop.
    func testCountPositiveIsThePlainCount() {
        var rng = SplitMix64(seed: 67)
        let specials: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 1e-30, -1e-30]
        for n in [0, 1, 15, 16, 17, 31, 32, 33, 100, 512] {
            let x: [Float] = (0..<n).map { _ in rng.next() % 3 == 0 ? specials[Int(rng.next() % 7)] : rng.uniformFloat() }
            XCTAssertEqual(Kernels.countPositive(n, x), x.filter { $0 > 0 }.count, "Float, n \(n)")
            let y = x.map(Double.init)
            XCTAssertEqual(Kernels.countPositive(n, y), y.filter { $0 > 0 }.count, "Double, n \(n)")
        }
    }
}

extension VectorKernelTests {
    /// hsae_adam_f32 under every body against Adam's update written out in Swift (each operation
    /// rounded on its own, in the order of the comment in Adam.step): the same bits for p, m and v,
    /// at lengths around the vector width, with and without clipping, over several steps so that m
    /// and v are not zero.
    func testAdamIsTheUpdateRoundedStepByStep() {
        var rng = SplitMix64(seed: 71)
        let (b1, b2, eps): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        underEveryVectorBody { isa in
            for n in [1, 15, 16, 17, 33, 100, 1000] {
                var (p, m, v) = ((0..<n).map { _ in rng.uniformFloat() }, [Float](repeating: 0, count: n), [Float](repeating: 0, count: n))
                var (ep, em, ev) = (p, m, v)
                for t in 1...3 {
                    let g = (0..<n).map { _ in rng.uniformFloat() * 1e-2 }
                    let clip: Float = t == 2 ? 0.37 : 1
                    let stepSize = Float(1e-3) / (1 - Float(Foundation.pow(0.9, Double(t))))
                    let invC2 = 1 / (1 - Float(Foundation.pow(0.999, Double(t))))
                    for i in 0..<n {
                        let gi = g[i] * clip
                        let mi = b1 * em[i] + (1 - b1) * gi
                        let vi = b2 * ev[i] + (1 - b2) * gi * gi
                        em[i] = mi
                        ev[i] = vi
                        ep[i] -= stepSize * mi / ((vi * invC2).squareRoot() + eps)
                    }
                    hsae_adam_f32(n, &p, g, &m, &v, clip, b1, b2, stepSize, invC2, eps)
                    let label = "\(isa), n \(n), step \(t)"
                    XCTAssertEqual(p.map(\.bitPattern), ep.map(\.bitPattern), label)
                    XCTAssertEqual(m.map(\.bitPattern), em.map(\.bitPattern), label)
                    XCTAssertEqual(v.map(\.bitPattern), ev.map(\.bitPattern), label)
                }
            }
        }
    }

    /// hsae_max_abs_f32 under every body against Swift's max(acc, |x|) from 0: NaN skipped, −0 and ±∞.
    func testMaxAbsIsTheLargestMagnitude() {
        var rng = SplitMix64(seed: 73)
        let specials: [Float] = [0, -0.0, .nan, -.infinity, -3.5, 1e-30]
        underEveryVectorBody { isa in
            for n in [0, 1, 15, 16, 17, 31, 33, 100, 1000] {
                for trial in 0..<4 {
                    let x: [Float] = (0..<n).map { _ in
                        trial > 0 && rng.next() % 5 == 0 ? specials[Int(rng.next() % UInt64(trial == 3 ? 6 : 3))] : rng.uniformFloat()
                    }
                    let expected = x.reduce(Float(0)) { max($0, abs($1)) }
                    XCTAssertEqual(hsae_max_abs_f32(n, x).bitPattern, expected.bitPattern, "\(isa), n \(n), trial \(trial)")
                }
            }
        }
    }
}

extension VectorKernelTests {
    /// hsae_fixed_accumulate_f32 under every body against exact mode's rule written out in Swift:
    /// the same integers (added and overwritten) and clamp count, at lengths around the vector
    /// width, values inside and beyond the limit, ±0, and NaN and ±∞ (which the trainer stops at,
    /// but both bodies carry as the Swift rule does, and count).
    func testFixedAccumulateIsTheSwiftRule() {
        var rng = SplitMix64(seed: 79)
        let magic = 6_755_399_441_055_744.0, magicBits = Int64(bitPattern: magic.bitPattern)
        underEveryVectorBody { isa in
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 100] {
                for (scale, lim) in [(0x1p20, 0x1p30), (0x1p40, 0x1p50), (3.0, 5.0)] {
                    let specials: [Float] = [0, -0.0, 1e30, -1e30, .nan, 2.5, -2.5, .infinity, -.infinity]
                    let g: [Float] = (0..<n).map { _ in rng.next() % 4 == 0 ? specials[Int(rng.next() % 9)] : rng.uniformFloat() * 1e3 }
                    let start: [Int64] = (0..<n).map { _ in Int64(bitPattern: rng.next()) >> 12 }
                    var expected = start, expectedClamped: Int64 = 0
                    let expectedNonFinite = Int64(g.filter { !$0.isFinite }.count)
                    for i in 0..<n {
                        let v = Double(g[i]) * scale
                        let c = min(max(v, -lim), lim)
                        expectedClamped += abs(v) > lim ? 1 : 0
                        expected[i] &+= Int64(bitPattern: (c + magic).bitPattern) &- magicBits
                    }
                    var acc = start
                    var nonFinite: Int64 = 3  // added to
                    let clamped = hsae_fixed_accumulate_f32(n, g, scale, lim, &acc, 0, &nonFinite)
                    let label = "\(isa), n \(n), scale \(scale)"
                    XCTAssertEqual(acc, expected, label)
                    XCTAssertEqual(clamped, expectedClamped, label)
                    XCTAssertEqual(nonFinite, 3 + expectedNonFinite, label)
                    var fresh = start
                    _ = hsae_fixed_accumulate_f32(n, g, scale, lim, &fresh, 1, &nonFinite)
                    XCTAssertEqual(nonFinite, 3 + 2 * expectedNonFinite, label + ", overwrite")
                    XCTAssertEqual(fresh, zip(expected, start).map { $0 &- $1 }, label + ", overwrite")
                }
            }
        }
    }

    /// hsae_clamp_negative_f32 under every body: negatives become +0; +0, −0, NaN and positives stay (bits).
    func testClampNegativeIsTheProjection() {
        var rng = SplitMix64(seed: 83)
        let specials: [Float] = [0, -0.0, .nan, -.infinity, .infinity, -1e-40]
        underEveryVectorBody { isa in
            for n in [0, 1, 15, 16, 17, 33, 100] {
                let x: [Float] = (0..<n).map { _ in rng.next() % 3 == 0 ? specials[Int(rng.next() % 6)] : rng.uniformFloat() }
                var y = x
                hsae_clamp_negative_f32(n, &y)
                XCTAssertEqual(y.map(\.bitPattern), x.map { ($0 < 0 ? 0 : $0).bitPattern }, "\(isa), n \(n)")
            }
        }
    }
}

extension VectorKernelTests {
    /// hsae_exp_shifted_f64: the same doubles from every body, within 4 ulp of libm's exp on
    /// [−708, 709], the clamp below −708, NaN kept, and the returned sum the outputs' sum in order.
    func testExpShiftedIsExpWithinAFewUlp() {
        var rng = SplitMix64(seed: 79)
        var bodies: [[UInt64]] = []
        let n = 1000
        let shift = 0.75
        let a: [Double] = (0..<n).map { i in
            switch i {
            case 0: return .nan
            case 1: return -800
            case 2: return shift            // e^0 = 1 exactly
            case 3: return 709 + shift
            case 4..<300: return rng.nextSigned() * 2 + shift  // near 0: the softmax's usual range
            default: return rng.nextSigned() * 708 + shift
            }
        }
        underEveryVectorBody { isa in
            for length in [0, 1, 7, 8, 9, 17] {
                var x = Array(a.prefix(length).dropFirst(min(length, 1)))  // no NaN: the sum is checked
                let total = hsae_exp_shifted_f64(x.count, &x, shift)
                XCTAssertEqual(total.bitPattern, x.reduce(0, +).bitPattern, "\(isa), length \(length)")
            }
            var x = a
            _ = hsae_exp_shifted_f64(n, &x, shift)
            XCTAssertTrue(x[0].isNaN, "\(isa)")
            var floor = [-708.0]
            _ = hsae_exp_shifted_f64(1, &floor, 0)
            XCTAssertEqual(x[1], floor[0], "\(isa): below −708 the result is the kernel's e^−708")
            XCTAssertEqual(floor[0], Foundation.exp(-708.0), accuracy: 4 * Foundation.exp(-708.0).ulp)
            XCTAssertEqual(x[2], 1, "\(isa)")
            for i in 3..<n {
                let reference = Foundation.exp(a[i] - shift)
                XCTAssertEqual(x[i], reference, accuracy: 4 * reference.ulp, "\(isa), a = \(a[i] - shift)")
            }
            bodies.append(x.map(\.bitPattern))
        }
        XCTAssertEqual(Set(bodies).count, 1, "every body gives the same doubles")
    }
}
