/// What a tensor is within its parameter group: the part of the name after the group's (`bottom.W_enc`).
public enum TensorRole: String, Codable, Sendable, CaseIterable {
    case wEnc = "W_enc", bEnc = "b_enc", wDec = "W_dec", bDec = "b_dec", logits
    /// A bottom latent's parent unit as a float index, −1 for none (the forest model, ForestArchitecture).
    case parent
    /// Each forest unit's fixed read-out direction in x, unit-norm rows (the forest model).
    case directions
}

/// A trainable tensor (DESIGN §2): its parameter group (an index into the layout's `groups`) and
/// its role there. Its name is the group's name and the role's (ParameterLayout.Entry.name).
public struct TensorID: Hashable, Codable, Sendable {
    public let group: Int
    public let role: TensorRole
    public init(group: Int, role: TensorRole) {
        self.group = group
        self.role = role
    }
}

/// A tensor of a parameter group: its role and its shape in memory (rows × cols).
public struct TensorSpec: Equatable, Sendable {
    public let role: TensorRole
    public let rows: Int
    public let cols: Int
    /// Held in memory as the transpose of its file shape.
    public let transposedInMemory: Bool
    public init(_ role: TensorRole, rows: Int, cols: Int, transposedInMemory: Bool = false) {
        self.role = role
        self.rows = rows
        self.cols = cols
        self.transposedInMemory = transposedInMemory
    }
    /// The normative (safetensors) shape: vectors are 1-D.
    public var fileShape: [Int] { rows == 1 ? [cols] : transposedInMemory ? [cols, rows] : [rows, cols] }
}

/// Tensors that a model declares together: a layer's encoder and decoder, the HSAE's gate. A phase
/// trains whole groups (GroupSet); the file names its tensors "\(name).\(role.rawValue)".
public struct ParameterGroup: Equatable, Sendable {
    public let name: String
    public let tensors: [TensorSpec]
    /// false: the group is never reduced nor updated, whatever a phase trains (the HSAE's gate
    /// under `--gate fixed`).
    public let trainable: Bool
    public init(name: String, tensors: [TensorSpec], trainable: Bool = true) {
        self.name = name
        self.tensors = tensors
        self.trainable = trainable
    }
}

/// Which parameter groups a phase trains: bit g for group g.
public struct GroupSet: OptionSet, Codable, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(group: Int) { self.init(rawValue: 1 << group) }
    public func contains(group: Int) -> Bool { contains(GroupSet(group: group)) }
}

/// The groups and tensors of the models that ModelConfig describes today (flat, Matryoshka, the
/// HSAE), by their old names: the model code in Model/ reads them. Group 0 is the bottom layer,
/// 1 the top layer, 2 the gate; their GroupSet bits are 1, 2, 4, as Trainable's were.
extension TensorID {
    public static let bottomWEnc = TensorID(group: 0, role: .wEnc)
    public static let bottomBEnc = TensorID(group: 0, role: .bEnc)
    public static let bottomWDec = TensorID(group: 0, role: .wDec)
    public static let bottomBDec = TensorID(group: 0, role: .bDec)
    public static let topWEnc = TensorID(group: 1, role: .wEnc)
    public static let topBEnc = TensorID(group: 1, role: .bEnc)
    public static let topWDec = TensorID(group: 1, role: .wDec)
    public static let topBDec = TensorID(group: 1, role: .bDec)
    public static let gateLogits = TensorID(group: 2, role: .logits)
}

public typealias Trainable = GroupSet

extension GroupSet {
    public static let bottom = GroupSet(group: 0)
    public static let top = GroupSet(group: 1)
    public static let gate = GroupSet(group: 2)
}

extension ModelConfig {
    /// The parameter groups in file order: its type's (SAEArchitecture.groups).
    public var parameterGroups: [ParameterGroup] { architecture.groups }
}

/// Offsets and shapes of every tensor in the flat parameter buffer, from the model's parameter
/// groups (the flat and Matryoshka models have no top or gate tensors).
///
/// Memory layout is free, file layout is not (DESIGN §8): `bottom.W_enc` (d × m1 in files) is
/// held transposed in memory, m1 × d, one contiguous row per latent, so that the sparse
/// backward pass touches only the rows of active latents. `fileShape` is the normative shape;
/// `fileOrder`/`memoryOrder` convert a tensor's values between the two.
public struct ParameterLayout: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let id: TensorID
        /// The normative name (model.safetensors): "bottom.W_enc".
        public let name: String
        public let offset: Int
        public let rows: Int
        public let cols: Int
        /// Held in memory as the transpose of its file shape.
        public let transposedInMemory: Bool
        public var count: Int { rows * cols }
        public var range: Range<Int> { offset ..< offset + count }
        /// The normative (safetensors) shape: vectors are 1-D.
        public var fileShape: [Int] { rows == 1 ? [cols] : transposedInMemory ? [cols, rows] : [rows, cols] }

        /// Values in file order from values in memory order (both `count` long).
        public func fileOrder<T>(_ memory: UnsafeBufferPointer<T>) -> [T] {
            guard transposedInMemory else { return Array(memory) }
            return Self.transpose(memory, rows: rows, cols: cols)
        }

        /// Values in memory order from values in file order.
        public func memoryOrder<T>(_ file: UnsafeBufferPointer<T>) -> [T] {
            guard transposedInMemory else { return Array(file) }
            return Self.transpose(file, rows: cols, cols: rows)
        }

        /// The transpose of a row-major rows × cols matrix, in 64 × 64 tiles.
        static func transpose<T>(_ a: UnsafeBufferPointer<T>, rows: Int, cols: Int) -> [T] {
            precondition(a.count == rows * cols, "transpose of \(a.count) values as \(rows) × \(cols)")
            guard let first = a.first else { return [] }
            var out = [T](repeating: first, count: a.count)
            let tile = 64
            out.withUnsafeMutableBufferPointer { o in
                for i0 in stride(from: 0, to: rows, by: tile) {
                    for j0 in stride(from: 0, to: cols, by: tile) {
                        for i in i0 ..< min(i0 + tile, rows) {
                            for j in j0 ..< min(j0 + tile, cols) { o[j * rows + i] = a[i * cols + j] }
                        }
                    }
                }
            }
            return out
        }
    }

    public let groups: [ParameterGroup]
    public let entries: [Entry]
    public let count: Int

    public init(_ config: ModelConfig) { self.init(groups: config.parameterGroups) }

    /// The groups' tensors laid end to end, in group order, then tensor order.
    public init(groups: [ParameterGroup]) {
        var offset = 0
        var entries: [Entry] = []
        for (g, group) in groups.enumerated() {
            for t in group.tensors {
                entries.append(Entry(id: TensorID(group: g, role: t.role), name: "\(group.name).\(t.role.rawValue)", offset: offset,
                                     rows: t.rows, cols: t.cols, transposedInMemory: t.transposedInMemory))
                offset += t.rows * t.cols
            }
        }
        self.groups = groups
        self.entries = entries
        count = offset
    }

    public func entry(_ id: TensorID) -> Entry {
        guard let e = entries.first(where: { $0.id == id }) else {
            preconditionFailure("tensor \(id) is not part of this model (\(groups.map(\.name)))")
        }
        return e
    }

    public func contains(_ id: TensorID) -> Bool { entries.contains { $0.id == id } }

    /// A whole buffer with this layout (parameters, Adam moments) in file order: each tensor's
    /// values as `fileOrder` gives them, tensors in layout order.
    public func fileOrder<T>(_ buffer: UnsafeBufferPointer<T>) -> [T] {
        precondition(buffer.count == count, "buffer of \(buffer.count) elements does not match layout of \(count)")
        return entries.flatMap { e in e.fileOrder(UnsafeBufferPointer(rebasing: buffer[e.range])) }
    }

    /// The inverse of `fileOrder`.
    public func memoryOrder<T>(_ file: UnsafeBufferPointer<T>) -> [T] {
        precondition(file.count == count, "\(file.count) values do not match layout of \(count)")
        return entries.flatMap { e in e.memoryOrder(UnsafeBufferPointer(rebasing: file[e.range])) }
    }

    /// A view of tensor `id` inside a buffer with this layout (memory orientation: rows × cols).
    public func view<T>(_ id: TensorID, in buffer: TensorBuffer<T>) -> View<T> {
        precondition(buffer.count == count, "buffer of \(buffer.count) elements does not match layout of \(count)")
        let e = entry(id)
        return buffer.view(offset: e.offset, rows: e.rows, cols: e.cols)
    }
}
