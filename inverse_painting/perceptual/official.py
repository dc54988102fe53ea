"""Facts about the official LPIPS weights (torch-free, so the weights stage can import them)."""

# Published locations of the two checkpoints (the weights stage tries them when reachable).
BACKBONE_URL = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"
HEADS_URL = "https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/alex.pth"
# One safetensors file with backbone and heads: what save_pretrained writes, from_pretrained reads.
COMBINED_FILE = "lpips_alex.safetensors"
# The weights stage's folder (models/weights) holds lpips/lpips_alex.safetensors.
WEIGHTS_STAGE_SUBDIR = "lpips"
DEFAULT_WEIGHTS = "models/weights"
# SHA-256 of the official AlexNet + v0.1 heads tensors (pipeline.hashing.tensors_sha256 over the names
# save_pretrained writes): whichever route brought them, these numbers are LPIPS and no others are.
OFFICIAL_TENSORS_SHA256 = "4f81737c65f6dcd081b03fef19f0a519afbc03accef4467ba7233eb6f6f79330"
