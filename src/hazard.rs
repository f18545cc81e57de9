//! The hazard catalogue: every hazard code, documented once (problem, why, safe shape).
