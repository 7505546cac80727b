"""The shared kernel: what every app may use. It imports no app of ours and never `config`."""
