// Deletes compiled files in dist/ whose TypeScript source no longer exists (a moved or deleted module), so neither
// `npm run build` nor `npm pack` leaves stale code that `require` could still pick up: dist/<path>.js, .d.ts and
// .js.map belong to <path>.ts. tsc never removes outputs by itself. Usage: node scripts/prune-dist.cjs
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
let removed = 0;

function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(full);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
      continue;
    }
    const match = /^(.*?)(\.d\.ts|\.js\.map|\.js|\.d\.ts\.map)$/.exec(path.relative(dist, full));
    if (!match) continue;
    if (!fs.existsSync(path.join(root, `${match[1]}.ts`))) {
      fs.rmSync(full, { force: true });
      removed++;
    }
  }
}

if (fs.existsSync(dist)) walk(dist);
if (removed > 0) process.stderr.write(`prune-dist: removed ${removed} stale file(s) from dist/\n`);
