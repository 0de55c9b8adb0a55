import { crashPointSuite } from './crash-points.suite.js';

crashPointSuite('sqlite', () => undefined);
