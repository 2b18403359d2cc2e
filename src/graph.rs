//! Reference graphs: petgraph export, DOT pictures and heap analysis.
