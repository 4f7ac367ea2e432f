// Importing a module registers its entity sets (see ../registry.ts).
import "./automation-companies";
import "./configuration-packages";
import "./extensions";
import "./extension-upload";
import "./extension-deployment-status";
import "./users";
import "./feature-management";
