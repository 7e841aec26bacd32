/// The HSAE's workspace (DESIGN §2's intermediates), in the allocation order the workspace had
/// before buffers were declared per model type, so every view keeps its offset (the C kernels
/// have portable and AVX-512 bodies; keeping the order removes the question of alignment).
extension HierarchicalArchitecture {
    public var workspaceBuffers: [WorkspaceBuffer] {
        let (m1, d) = (config.m1, config.d)
        func batch(_ buffer: HSAEBuffer, _ cols: Int) -> WorkspaceBuffer { .extra(buffer.name, cols: cols, perRow: true) }
        return [.input, .centred, .code(0), .code(1), batch(.q, m1), batch(.zhat, m1), batch(.mix, m1), .reconstruction,
                batch(.r, m1), batch(.t, d), .dReconstruction, batch(.dt, d), .dCentred, batch(.dm, m1), .dCode(0), batch(.dzhat, m1),
                .dPre(0), .dCode(1), .dPre(1), .extra(HSAEBuffer.gate.name, cols: m1, perRow: false), batch(.p1, m1)]
    }
}

/// The HSAE's own buffers, in the order `workspaceBuffers` declares them: the raw value is the
/// index in Workspace.extra.
enum HSAEBuffer: Int, CaseIterable {
    case q, zhat, mix, r, t, dt, dm, dzhat, gate, p1

    var name: String { "\(self)" }
}

extension Workspace {
    public var z2: View<T> { layers[1].z }                  // b × m2  top pre-activations, then the top code
    var dz2: View<T> { layers[1].dz }                       // b × m2
    var dp2: View<T> { layers[1].dp }                       // b × m2
    public var code2: SparseCode<T> { layers[1].code }      // z2 as sparse rows
    public var q: View<T> { extra[HSAEBuffer.q.rawValue] }        // b × m1  Z2 W_dec² + b_dec²
    public var zhat: View<T> { extra[HSAEBuffer.zhat.rawValue] }  // b × m1  ReLU(q): top's reconstruction of the bottom code
    public var mix: View<T> { extra[HSAEBuffer.mix.rawValue] }    // b × m1  M = g z1 + (1 − g) ẑ1
    var r: View<T> { extra[HSAEBuffer.r.rawValue] }               // b × m1  z1 − ẑ1
    var t: View<T> { extra[HSAEBuffer.t.rawValue] }               // b × d   r W_dec¹ (top path)
    var dt: View<T> { extra[HSAEBuffer.dt.rawValue] }             // b × d
    var dm: View<T> { extra[HSAEBuffer.dm.rawValue] }             // b × m1
    var dzhat: View<T> { extra[HSAEBuffer.dzhat.rawValue] }       // b × m1
    var gate: View<T> { extra[HSAEBuffer.gate.rawValue] }         // 1 × m1  g used in this pass
    var p1: View<T> { extra[HSAEBuffer.p1.rawValue] }             // b × m1  P1 kept for a top encoder on pre-activations (TopInput.pre)
}
