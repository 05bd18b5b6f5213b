"""DwiseNeuro trainer: model, training, evaluation and export of Sensorium 2023 ensembles."""
