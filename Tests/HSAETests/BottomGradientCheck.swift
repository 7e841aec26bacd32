import HSAE
import XCTest

/// Every bottom tensor's analytic gradient against float64 central differences of `loss`
/// (relative error per tensor below `tolerance`); each of the 4 bottom tensors must receive a gradient.
func checkBottomGradients(_ model: HierarchicalSAE<Double>, _ grads: TensorBuffer<Double>, tolerance: Double = 1e-6,
                          label: String = "", file: StaticString = #filePath, line: UInt = #line, _ loss: () -> Double) {
    let h = 1e-6
    var checked = 0
    for entry in model.layout.entries where entry.id.group == 0 {
        var diff = 0.0, norm = 0.0
        for i in entry.range {
            let saved = model.params[i]
            model.params[i] = saved + h
            let up = loss()
            model.params[i] = saved - h
            let down = loss()
            model.params[i] = saved
            let numeric = (up - down) / (2 * h)
            diff += (grads[i] - numeric) * (grads[i] - numeric)
            norm += numeric * numeric
        }
        XCTAssertGreaterThan(norm, 1e-12, "\(entry.name) gets no gradient", file: file, line: line)
        XCTAssertLessThan(diff.squareRoot() / norm.squareRoot(), tolerance, label + entry.name, file: file, line: line)
        checked += 1
    }
    XCTAssertEqual(checked, 4, file: file, line: line)
}
