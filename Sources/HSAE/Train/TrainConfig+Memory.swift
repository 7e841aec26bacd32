import Foundation

extension TrainConfig {
    /// Refuses a model that cannot fit this machine's memory before it is allocated: `--m1 2^30`
    /// must be an error naming the sizes, not an allocation failure. A rank holds five buffers of
    /// the parameter count (parameters, gradients, the reduced gradients, Adam's m and v), in
    /// float32; sizes are multiplied with overflow checks.
    public func checkMemory(d: Int, physicalBytes: Int = TrainConfig.physicalMemory) throws {
        let model = modelConfig(d: d)
        let (m1, m2) = (model.m1, model.m2)
        let terms: [[Int]] = model.parameterGroups.flatMap { $0.tensors.map { [$0.rows, $0.cols] } }
        var count: Int? = 0
        for t in terms where count != nil {
            count = CheckedSize.elements(t).flatMap { product in CheckedSize.sum(count!, product) }
        }
        let bytes = count.flatMap { CheckedSize.bytes([$0, 5], elementSize: 4) }
        guard let bytes, physicalBytes <= 0 || bytes <= physicalBytes else {
            let size = bytes.map { String(format: "%.1f GB", Double($0) / 1e9) } ?? "more than 2^63 bytes"
            throw HSAEError.badConfig(option: "--m1", message: "a model with d = \(d), m1 = \(m1), m2 = \(m2) needs \(size) per rank "
                + "(parameters, gradients and Adam moments), more than this machine's \(String(format: "%.1f", Double(physicalBytes) / 1e9)) GB")
        }
    }

    /// Physical memory in bytes (0 when unknown: no check).
    public static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 0 }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }
}
