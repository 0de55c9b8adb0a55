/** The git checkout adapter: per-project mirrors, revision resolution and work trees. */
export { createGitRevisionSource } from './revision-source.js';
export { createGitWorkTrees } from './work-trees.js';
export { GitError } from './git-run.js';
