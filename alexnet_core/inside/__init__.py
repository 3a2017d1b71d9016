"""What a network makes of one image: inputs and activations."""
