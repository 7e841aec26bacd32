import Foundation

/// The module name of a BERT layer's output in Hugging Face transformers: hsae harvest's layer
/// L (0 = embeddings, L = output of encoder layer L) is `hidden_states[L]`, the output of module
/// `encoder.layer.{L-1}`. SAELens's hook_layer is the block index in the hook name (TransformerLens:
/// `blocks.6.hook_resid_post` → 6), so layer L has hook_layer L − 1 (0 for the embeddings).
public enum HarvestHook {
    public static func name(layer: Int) -> String { layer == 0 ? "embeddings" : "encoder.layer.\(layer - 1)" }
    public static func block(layer: Int) -> Int { max(layer - 1, 0) }
}
