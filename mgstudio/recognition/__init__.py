"""The recognizer (PyTorch): dual-stream contrastive encoder, training, evaluation, inference.

Importing this package imports torch; the app imports it lazily. Entry points:
``recognition.encoder.load_encoder`` (inference), ``recognition.train.run_training`` (training),
``recognition.evaluate.evaluate`` (scores).
"""
