// Pantau console behaviour shared by every page. No inline scripts anywhere (the CSP forbids them): pages
// mark elements with data-* attributes and this file wires them up.
"use strict";
