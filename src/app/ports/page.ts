/** Which slice of a list a caller asked for (1-based page). */
export interface Page {
  page: number;
  perPage: number;
  sortBy?: string;
  sortDirection?: 'ASC' | 'DESC';
}
