/** Exits with one line when this Node is older than `engines.node` of the package.json at `packageJsonUrl`. */
export function refuseOldNode(packageJsonUrl: URL): void;
