"""The captioning assignment's package: RNN and LSTM layers, a captioning
model, a solver, and the data utilities."""
