// A Vite page: the package as a bundler sees it.
import * as shiftplan from "shiftplan";

import { probe, show } from "./probe.js";

show(probe(shiftplan));
