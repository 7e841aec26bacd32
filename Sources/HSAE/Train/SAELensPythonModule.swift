/// The Python module `hsae export` writes next to bottom/ and top/ (OUT/hsae_sae_lens.py). SAELens
/// has no architecture whose decoder output passes through a ReLU, so the top layer of DESIGN §2
/// is exported as `hsae_top_<standard|topk|jumprelu>`: the stock SAELens class with decode()
/// followed by ReLU, registered with SAELens when this module is imported. Tested against hsae's
/// forward by Tests/MultiRankTests/SAELensExportTests.swift (scripts/check-export.py).
public enum SAELensPythonModule {
    public static let source = #"""
"""hsae_sae_lens: load an `hsae export` directory with SAELens 6 and rebuild the HSAE.

Written by `hsae export` into its output directory. Usage:

    import sys; sys.path.insert(0, "exported")     # the export directory
    import hsae_sae_lens                            # registers the hsae_top_* architectures
    from sae_lens import SAE
    bottom = SAE.load_from_disk("exported/bottom")  # stock SAELens SAE on raw activations
    top = SAE.load_from_disk("exported/top")        # decode() ends with ReLU (DESIGN section 2)
    hsae = hsae_sae_lens.load("exported")           # both layers and the gate
    x_hat = hsae.reconstruct(x)                     # the HSAE's reconstruction, raw units

The recipe reconstruct() runs (also in hsae.json):

    z1 = bottom.encode(x); z2 = top.encode(z1); z1_hat = top.decode(z2)   # relu inside
    g = sigmoid(gate.logits)                                              # gate.safetensors
    x_hat = bottom.decode(g * z1 + (1 - g) * z1_hat)

gate=1.0 gives the bottom layer alone (skip-only), gate=0.0 the top path alone (top-only).
"""
import json
import os
from dataclasses import dataclass

import torch
from safetensors.torch import load_file
from sae_lens import SAE
from sae_lens.registry import SAE_CLASS_REGISTRY, register_sae_class
from sae_lens.saes.jumprelu_sae import JumpReLUSAE, JumpReLUSAEConfig
from sae_lens.saes.standard_sae import StandardSAE, StandardSAEConfig
from sae_lens.saes.topk_sae import TopKSAE, TopKSAEConfig


class _ReLUDecode:
    """decode() of the base class, then ReLU: the top layer's reconstruction of the bottom code."""

    def decode(self, feature_acts: torch.Tensor) -> torch.Tensor:
        return torch.relu(super().decode(feature_acts))


@dataclass
class HSAETopStandardSAEConfig(StandardSAEConfig):
    @classmethod
    def architecture(cls) -> str:
        return "hsae_top_standard"


@dataclass
class HSAETopTopKSAEConfig(TopKSAEConfig):
    @classmethod
    def architecture(cls) -> str:
        return "hsae_top_topk"


@dataclass
class HSAETopJumpReLUSAEConfig(JumpReLUSAEConfig):
    @classmethod
    def architecture(cls) -> str:
        return "hsae_top_jumprelu"


class HSAETopStandardSAE(_ReLUDecode, StandardSAE):
    pass


class HSAETopTopKSAE(_ReLUDecode, TopKSAE):
    pass


class HSAETopJumpReLUSAE(_ReLUDecode, JumpReLUSAE):
    pass


for _cls, _cfg in ((HSAETopStandardSAE, HSAETopStandardSAEConfig), (HSAETopTopKSAE, HSAETopTopKSAEConfig),
                   (HSAETopJumpReLUSAE, HSAETopJumpReLUSAEConfig)):
    if _cfg.architecture() not in SAE_CLASS_REGISTRY:
        register_sae_class(_cfg.architecture(), _cls, _cfg)


class HSAE:
    """The exported layers and gate. bottom and top are SAELens SAEs; gate_logits has m1 entries."""

    def __init__(self, path: str, device: str = "cpu"):
        with open(os.path.join(path, "hsae.json")) as f:
            self.manifest = json.load(f)
        if self.manifest.get("format") != "hsae-export":
            raise ValueError(f"{path}/hsae.json: format is {self.manifest.get('format')!r}, expected 'hsae-export'")
        self.bottom = SAE.load_from_disk(os.path.join(path, "bottom"), device=device)
        self.top = None
        self.gate_logits = None
        if "top" in self.manifest["layers"]:
            self.top = SAE.load_from_disk(os.path.join(path, "top"), device=device)
            gate = self.manifest["gate"]
            self.gate_logits = load_file(os.path.join(path, gate["file"]), device=device)[gate["tensor"]]

    @torch.no_grad()
    def codes(self, x: torch.Tensor):
        """(z1, z2): the bottom and top codes of raw activations x (rows x d)."""
        z1 = self.bottom.encode(x)
        return z1, (self.top.encode(z1) if self.top is not None else None)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, gate: float | None = None) -> torch.Tensor:
        """x_hat of DESIGN section 2 in raw units; gate overrides g (1.0 skip-only, 0.0 top-only)."""
        z1, z2 = self.codes(x)
        if self.top is None:
            return self.bottom.decode(z1)
        z1_hat = self.top.decode(z2)
        g = torch.sigmoid(self.gate_logits) if gate is None else torch.full_like(self.gate_logits, gate)
        return self.bottom.decode(g * z1 + (1 - g) * z1_hat)


def load(path: str, device: str = "cpu") -> HSAE:
    """The export at `path` (the directory holding hsae.json)."""
    return HSAE(path, device=device)
"""#
}
