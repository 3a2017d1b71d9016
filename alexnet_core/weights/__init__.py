"""Where a model's weights come from: random, pretrained, checkpoint, upload."""
