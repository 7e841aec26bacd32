/// Phase-3 density control of relu layers through the encoder bias (`--phase3-bias-control η`,
/// docs/DECISIONS.md "The relu controller in phase 3").
///
/// DESIGN §3's controller steers a relu layer's density through λ, which reaches the code only
/// through weight updates; in phase 3 on B-exclusive data the code answered a larger λ by shrinking
/// every activation rather than switching latents off, so λ wound up (docs/RESULTS.md, "Training:
/// dictionary recovery and the relu controller").
/// With this option, phase 3 holds each relu layer's λ where phases 1 and 2 left it (the trade-off
/// between reconstruction and L1 those phases settled on) and steers the density by a uniform
/// shift of the layer's encoder bias after every optimizer step:
///
///     b_enc ← b_enc − η · clamp(ln(ρ̂/ρ*), −1, 1)      (ρ̂ = 0 counts as ln = −1, as for λ)
///
/// For fixed weights a relu code's density falls monotonically as its biases fall, and at once:
/// lowering every bias by δ switches off the activations below δ and shrinks the others by δ —
/// thinning, which is what a code that densifies by small extra activations needs. The density
/// answers the next step, so the loop has no lag to wind up over. ρ̂ is the global batch's density
/// (the same on every rank), and the shift is applied identically on every rank after the update.
/// The shift integrates: the bias carries the controller's memory, so a checkpoint needs nothing new.
public enum EncoderBiasControl {
    /// The shift added to every b_enc entry after a step that saw density ρ̂.
    public static func shift(density: Double, target: Double, gain eta: Double) -> Double {
        -eta * SparsityController.error(density: density, target: target)
    }

    /// Adds `shift` to each of the `count` bias entries at `bias`.
    public static func apply(_ shift: Double, to bias: UnsafeMutablePointer<Float>, count: Int) {
        let s = Float(shift)
        for i in 0..<count { bias[i] += s }
    }
}

extension SparsityController {
    /// One step of a relu layer's density control after a training step that saw density ρ̂: DESIGN's
    /// λ controller (`update`), or, with `biasGain` η, λ held and the `count` encoder biases at `bias`
    /// shifted by EncoderBiasControl.
    public mutating func step(density: Double, target: Double, gain: Double, biasGain: Double?,
                              bias: UnsafeMutablePointer<Float>, count: Int) {
        guard let biasGain else { return update(density: density, target: target, gain: gain) }
        EncoderBiasControl.apply(EncoderBiasControl.shift(density: density, target: target, gain: biasGain), to: bias, count: count)
    }
}
