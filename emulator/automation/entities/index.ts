// Importing a module registers its entity sets (see ../registry.ts).
import "./automation-companies";
