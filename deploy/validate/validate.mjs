// Validates every Kubernetes document under deploy/kubernetes against the Kubernetes (and Prometheus Operator)
// JSON schemas shipped in the npm packages kubernetes-models and @kubernetes-models/prometheus-operator.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "kubernetes");
let checked = 0;
let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
    const obj = doc.toJS();
    if (obj == null) continue;
    const where = `${file}: ${obj.kind} ${obj.metadata?.name}`;
    const pkg = obj.apiVersion.includes("monitoring.coreos.com")
      ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
    let Model;
    try {
      Model = (await import(`${pkg}/${obj.apiVersion}`))[obj.kind];
    } catch (e) {
      Model = undefined;
    }
    if (!Model) {
      console.log(`FAIL ${where}: no schema for ${obj.apiVersion} ${obj.kind}`);
      failed++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`ok   ${where}`);
    } catch (e) {
      console.log(`FAIL ${where}: ${e.message}`);
      failed++;
    }
    checked++;
  }
}
console.log(`${checked - failed} passed, ${failed} failed`);
process.exit(failed === 0 && checked > 0 ? 0 : 1);
