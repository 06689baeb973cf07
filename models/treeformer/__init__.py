"""Treeformer for extractive question answering: model, data, training, export."""
