"""Our own Arabic transformer: tokenizer, pretraining, multi-task fine-tuning, inference, evaluation, ONNX."""
