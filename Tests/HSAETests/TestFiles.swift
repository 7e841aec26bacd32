import Foundation
import HSAE
import XCTest

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase, _ name: String = "hsae") -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// `.npy` bytes with a hand-written header (any descr and shape text, e.g. '>f4' or '(2, 3, 4)').
func npyBytes(descr: String, shape: String, raw: Data, fortranOrder: Bool = false) -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    out.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
    out.append(Data(header.utf8))
    out.append(raw)
    return out
}

func write(_ data: Data, _ path: String) {
    precondition(FileManager.default.createFile(atPath: path, contents: data), "cannot write \(path)")
}

/// Raw little-endian bytes of values in a float type.
func rawBytes(_ values: [Float], as type: ElementType) -> Data {
    switch type {
    case .f32: return values.withUnsafeBytes { Data($0) }
    case .f16: return values.map { Float16($0).bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
    case .bf16: return values.map { UInt16($0.bitPattern >> 16).littleEndian }.withUnsafeBytes { Data($0) }
    default: preconditionFailure("rawBytes: \(type) is not a shard type")
    }
}

/// A safetensors shard with one tensor named `name` (default `activations`).
func safetensorsShard(_ values: [Float], shape: [Int], type: ElementType, name: String = "activations") -> Data {
    var writer = SafeTensorsWriter()
    writer.add(name, dtype: type, shape: shape, raw: rawBytes(values, as: type))
    return writer.serialized()
}

/// Every file below `root` (relative path → bytes), for byte-for-byte comparisons.
func fileTree(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: root)!
    while let relative = enumerator.nextObject() as? String {
        var isDir: ObjCBool = false
        let path = root + "/" + relative
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
            out[relative] = FileManager.default.contents(atPath: path)!
        }
    }
    return out
}

/// Asserts that `body` throws an `HSAEError` whose description is exactly `expected`.
func assertThrows<T>(_ expected: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected the error: \(expected)", file: file, line: line)
    } catch let error as HSAEError {
        XCTAssertEqual(error.description, expected, file: file, line: line)
    } catch {
        XCTFail("expected an HSAEError, got \(error)", file: file, line: line)
    }
}
