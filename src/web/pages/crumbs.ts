import type { Project } from '../../domain/project.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { Crumb } from '../layout.js';
import { links } from '../links.js';

/** The breadcrumbs of a page inside a workspace, project and pipeline. */
export function crumbsOf(domain: string, project?: Project, pipeline?: Pipeline): Crumb[] {
  const crumbs: Crumb[] = [{ label: domain, href: links.workspace(domain) }];
  if (project) crumbs.push({ label: project.displayName, href: links.project(domain, project.name) });
  if (project && pipeline)
    crumbs.push({ label: pipeline.name, href: links.pipeline(domain, project.name, pipeline.id) });
  return crumbs;
}
