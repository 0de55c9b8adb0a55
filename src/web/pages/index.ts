import type { WebRouter } from '../router.js';
import type { WebDeps } from '../web-app.js';
import { actionPages } from './action.js';
import { executionPages } from './execution.js';
import { integrationPages } from './integrations.js';
import { peoplePages } from './people.js';
import { pipelinePages } from './pipeline.js';
import { projectPages } from './project.js';
import { repositoryPages } from './repository.js';
import { variablePages } from './variables.js';
import { workspacePages } from './workspace.js';
import { workspacesPages } from './workspaces.js';

/**
 * Every page of the web app, one module per kind of page. Static segments win over parameters, so a workspace
 * named `login`, `logout`, `assets` or `my-id`, and a project named `integrations`, `variables` or `profile`, has
 * its page shadowed (its API resources work as ever).
 */
export function registerPages(router: WebRouter, deps: WebDeps): void {
  workspacesPages(router, deps);
  workspacePages(router, deps);
  projectPages(router, deps);
  pipelinePages(router, deps);
  executionPages(router, deps);
  actionPages(router, deps);
  repositoryPages(router, deps);
  variablePages(router, deps);
  integrationPages(router, deps);
  peoplePages(router, deps);
}
