export interface Workspace {
  id: number;
  domain: string;
  name: string;
  ownerId: number;
  frozen: boolean;
  createdAt: Date;
}
