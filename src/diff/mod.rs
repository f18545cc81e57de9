//! Two catalogs + hints → the changes between them (a closed set of change kinds).
