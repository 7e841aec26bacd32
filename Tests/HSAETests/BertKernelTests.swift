@testable import HSAE
import Foundation
import XCTest

final class BertKernelTests: XCTestCase {
    func testFastExpAgainstFoundation() {
        var worst: Float = 0
        for i in 0...200_000 {
            let x = -87 + Float(i) * (175.0 / 200_000)
            let rel = abs(FastMath.exp(x) - Foundation.exp(x)) / Foundation.exp(x)
            worst = max(worst, rel)
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(FastMath.exp(-.infinity), 0)
        XCTAssertEqual(FastMath.exp(-200), 0)
        XCTAssertEqual(FastMath.exp(0), 1)
    }

    func testFastErfAgainstFoundation() {
        var worst: Float = 0
        for i in 0...200_000 {
            let x = -10 + Float(i) * (20.0 / 200_000)
            worst = max(worst, abs(FastMath.erf(x) - Foundation.erf(x)))
        }
        XCTAssertLessThan(worst, 5e-7)
    }

    func testSoftmaxAndGeluAgainstNaiveDouble() {
        var row: [Float] = [1, 2, 3, -1, 0.5]
        let keep = [true, true, false, true, true]
        let e = [1.0, 2.0, -1.0, 0.5].map { Foundation.exp($0 - 2) }
        let expected = [e[0], e[1], 0, e[2], e[3]].map { $0 / e.reduce(0, +) }
        keep.withUnsafeBufferPointer { k in
            row.withUnsafeMutableBufferPointer { TransformerKernels.softmax($0.baseAddress!, count: 5, keep: k.baseAddress!) }
        }
        for j in 0..<5 { XCTAssertEqual(Double(row[j]), expected[j], accuracy: 1e-6) }

        var x: [Float] = [-3, -1, 0, 0.5, 2, 6]
        let gelu = x.map { v in 0.5 * Double(v) * (1 + Foundation.erf(Double(v) / 2.0.squareRoot())) }
        x.withUnsafeMutableBufferPointer { TransformerKernels.gelu($0.baseAddress!, count: 6) }
        for j in 0..<6 { XCTAssertEqual(Double(x[j]), gelu[j], accuracy: 1e-6) }
    }

    func testLayerNormAgainstNaiveDouble() {
        var x: [Float] = [1, 2, 3, 4, 10, -10, 0, 5]
        let gain: [Float] = [1, 2, 0.5, 1], bias: [Float] = [0, 1, 0, -1]
        var expected: [Double] = []
        for r in 0..<2 {
            let v = x[r * 4 ..< r * 4 + 4].map(Double.init)
            let mean = v.reduce(0, +) / 4
            let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            expected += (0..<4).map { (v[$0] - mean) / (variance + 1e-12).squareRoot() * Double(gain[$0]) + Double(bias[$0]) }
        }
        x.withUnsafeMutableBufferPointer {
            TransformerKernels.layerNorm($0.baseAddress!, rows: 2, cols: 4, gain: gain, bias: bias, eps: 1e-12)
        }
        for j in 0..<8 { XCTAssertEqual(Double(x[j]), expected[j], accuracy: 1e-5) }
    }
}
